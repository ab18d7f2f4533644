"""`pulseboot sim --fault KIND[:CHAMBER]@SECONDS`: faults reach the plant (or the fake board),
never the firmware, and a wrong one is one line."""
import json

import pytest
from pulseboot import cli, fw
from pulseboot.run.scenario import FAULT_KINDS


def sim(capsys, *args):
    code = cli.main(["sim", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_injected_fault_is_in_the_summary_the_report_and_the_trace(capsys, tmp_path):
    code, out, _ = sim(capsys, "--fault", "dead-sensor:3@20", "--duration", 40, "--summary")
    summary = json.loads(out.splitlines()[-1])
    assert code == 0
    assert summary["injected"] == [{"kind": "dead-sensor", "chamber": 3, "t_ms": 20000}]
    assert summary["faults"][0]["code"] == "SENSOR" and 20000 <= summary["faults"][0]["t_ms"] <= 20600
    code, out, _ = sim(capsys, "--fault", "dead-sensor:3@20", "--duration", 40, "--plot", tmp_path / "f.png")
    assert "injected dead-sensor on chamber 3 at 20.000 s" in out and "FAULT SENSOR" in out
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_chamber_one_is_the_default_and_faults_repeat(capsys):
    code, out, _ = sim(capsys, "--fault", "leak@5", "--fault", "kink:2@7", "--duration", 10, "--summary")
    injected = json.loads(out.splitlines()[-1])["injected"]
    assert code == 0 and injected == [{"kind": "leak", "chamber": 1, "t_ms": 5000},
                                      {"kind": "kink", "chamber": 2, "t_ms": 7000}]


def test_a_board_fault_runs_on_the_device_shell(capsys):
    code, out, _ = sim(capsys, "--fault", "power-cycle@10", "--duration", 20, "--summary")
    summary = json.loads(out.splitlines()[-1])
    assert code == 0 and summary["state"] in ("ZEROING", "IDLE")  # started again, and never by itself


@pytest.mark.parametrize("value,words", [
    ("melt@1", ["--fault 'melt@1'", "KIND[:CHAMBER]@SECONDS", *FAULT_KINDS]),
    ("leak", ["--fault 'leak'", "KIND[:CHAMBER]@SECONDS"]),
    ("leak:5@1", ["chamber must be a whole number from 1 to 4", fw.DEFAULT_BOARD]),
    ("leak:0@1", ["from 1 to 4"]),
    ("leak:x@1", ["from 1 to 4"]),
    ("leak@-1", ["time must be seconds >= 0"]),
    ("leak@abc", ["time must be seconds >= 0"]),
    ("leak@601", ["< the duration (600 s)"]),
    ("hang:3@5", ["no chamber's", "expected hang@SECONDS"]),
    ("stuck-pump:2@5", ["no chamber's", "expected stuck-pump@SECONDS"]),
])
def test_a_wrong_fault_is_one_line_naming_what_is_allowed(capsys, value, words):
    code, out, err = sim(capsys, "--fault", value)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pulseboot sim: ")
    for w in words:
        assert w in err


def test_board_faults_on_the_core_shell_are_one_line(capsys):
    code, _out, err = sim(capsys, "--fault", "hang@1", "--shell", "core", "--duration", 5)
    assert code == 2 and err.count("\n") == 1 and "need the device shell" in err


@pytest.mark.parametrize("faults, words", [
    (["power-cycle@5", "power-cycle@5.2"], "still off from 'power-cycle@5'"),
    (["power-cycle@5", "hang@5.4"], "still off from 'power-cycle@5'"),
    (["leak:2@5", "leak:2@5"], "given twice"),
])
def test_faults_that_cannot_both_happen_are_one_line(capsys, faults, words):
    args = [a for f in faults for a in ("--fault", f)]
    assert cli.main(["sim", "--duration", "20", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_a_second_power_cycle_once_the_board_is_back_runs(capsys):
    code, out, err = sim(capsys, "--duration", "20", "--fault", "power-cycle@5", "--fault", "power-cycle@5.6",
                         "--summary")
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert [f["kind"] for f in summary["injected"]] == ["power-cycle", "power-cycle"]
