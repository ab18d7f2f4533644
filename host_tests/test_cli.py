"""The `pulseboot` command: usage errors, listings, sim output files and button presses.

Most tests call cli.main in-process (fast); one runs the installed console script.
"""
import itertools
import json
import pathlib
import subprocess
import sys

import pytest
from pulseboot import cli, fw, plant
from pulseboot import run as simulation
from pulseboot.report import fault_text
from pulseboot.report.plot import Recorder, plot
from pulseboot.report.trace import TraceWriter, columns, read_trace

BUTTONS = ", ".join(simulation.BUTTONS)
BOARDS = fw.board_names()
PROGRAMS = list(fw.programs.NAMES)
COMMANDS = ["sim", "programs", "boards"]


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *needles):
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("pulseboot") and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# ---- usage errors: one line, exit 2, the bad thing and what is allowed ---------------

BAD = [
    # (argv, what is wrong, what is allowed...)
    (["sim", "--program", "foo"], "unknown program 'foo'", *PROGRAMS),
    (["sim", "--board", "nope"], "unknown board 'nope'", *BOARDS),
    (["sim", "--plant", "tiny"], "unknown plant 'tiny'", *plant.PRESETS, "limb:small-leg"),
    (["sim", "--plant", "limb:tiny"], "unknown plant 'limb:tiny'", "limb:arm", "limb:large-leg"),
    (["sim", "--level", "x"], "--level 'x'", "30 to 80", "gradient"),
    (["sim", "--level", "45.5"], "--level '45.5'", "whole mmHg", "30 to 80"),
    (["sim", "--level", "29"], "--level '29'", "30 to 80"),
    (["sim", "--level", "81"], "--level '81'", "30 to 80"),
    (["sim", "--program", "recovery", "--level", "121"], "--level '121'", "30 to 120", "recovery"),
    (["sim", "--level"], "--level needs a value", "mmHg"),
    (["sim", "--duration", "0"], "--duration '0'", "> 0", "86400"),
    (["sim", "--duration", "-5"], "--duration '-5'", "> 0"),
    (["sim", "--duration", "soon"], "--duration 'soon'", "> 0"),
    (["sim", "--duration", "nan"], "--duration 'nan'", "> 0"),
    (["sim", "--duration", "inf"], "--duration 'inf'", "86400"),
    (["sim", "--duration", "86401"], "--duration '86401'", "86400"),
    (["sim", "--seed", "1.5"], "--seed '1.5'", "integer"),
    (["sim", "--seed", "abc"], "--seed 'abc'", "integer"),
    (["sim", "--press", "start@x"], "--press 'start@x'", "BUTTON@SECONDS[:long]", BUTTONS),
    (["sim", "--press", "start"], "--press 'start'", "BUTTON@SECONDS[:long]", BUTTONS),
    (["sim", "--press", "jump@1"], "--press 'jump@1'", BUTTONS),
    (["sim", "--press", "@1"], "--press '@1'", BUTTONS),
    (["sim", "--press", "start@"], "--press 'start@'", "BUTTON@SECONDS[:long]"),
    (["sim", "--press", "start@1:short"], "--press 'start@1:short'", "[:long]"),
    (["sim", "--press", "start@1:"], "--press 'start@1:'", "[:long]"),
    (["sim", "--press", "start@-1"], "--press 'start@-1'", ">= 0", "< the duration (600 s)"),
    (["sim", "--press", "start@600"], "--press 'start@600'", "< the duration (600 s)"),
    (["sim", "--duration", "100", "--press", "up@100"], "--press 'up@100'", "(100 s)"),
    (["sim", "--press"], "--press needs a value", BUTTONS),
    (["sim", "--bogus"], "unexpected argument '--bogus'", "--board", "--press", "--summary"),
    (["sim", "--lev", "40"], "unexpected argument '--lev'", "--level"),  # no abbreviations
    (["sim", "stray"], "unexpected argument 'stray'", "--program"),
    (["sim", "--summary=yes"], "--summary takes no value"),
    (["sim", "--shell", "fpga"], "unknown shell 'fpga'", "device, core"),
    (["sim", "--shell"], "--shell needs a value", "device", "core"),
    (["frob"], "unknown command 'frob'", *COMMANDS),
    ([], "missing command", *COMMANDS),
    (["programs", "--board", "x"], "unknown board 'x'", *BOARDS),
    (["programs", "--json", "extra"], "unexpected argument 'extra'", "--board", "--json"),
    (["boards", "--board", "x"], "unexpected argument '--board'", "--json"),
]


@pytest.mark.parametrize("case", BAD, ids=[" ".join(c[0]) or "(nothing)" for c in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, case):
    argv, *needles = case
    assert_one_line_error(*run(capsys, *argv), *needles)


@pytest.mark.parametrize("flag", ["--trace", "--plot"])
def test_unwritable_output_path_is_a_usage_error(capsys, tmp_path, flag):
    folder = tmp_path / "out.png"  # a folder, whatever its name says
    folder.mkdir()
    assert_one_line_error(*run(capsys, "sim", flag, folder), f"{flag} '{folder}'", "writable file")


def test_value_error_from_the_simulator_is_a_usage_error(capsys, monkeypatch):
    def refuse(**kw):
        raise ValueError("program 'recovery' needs a vent valve on every chamber; board x has topology y")

    monkeypatch.setattr(simulation, "simulate", refuse)
    assert_one_line_error(*run(capsys, "sim", "--summary"), "needs a vent valve", "topology")


def test_help_exits_0(capsys):
    assert cli.main(["--help"]) == 0
    assert "sim" in capsys.readouterr().out
    assert cli.main(["sim", "--help"]) == 0
    assert "--press BUTTON@SECONDS[:long]" in capsys.readouterr().out


# ---- programs, boards --------------------------------------------------------------


def test_boards_json_and_text(capsys):
    code, out, _ = run(capsys, "boards", "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["default"] == fw.DEFAULT_BOARD
    assert [b["name"] for b in listing["boards"]] == BOARDS
    for b in listing["boards"]:
        board = fw.load_board(b["name"])
        assert b["chambers"] == board["chambers"]
        assert b["chip"] == board["chip"] and b["topology"] == board["topology"]
        assert b["hard_limit_mmhg"] == board["hard_limit_dmmhg"] / 10
    code, out, _ = run(capsys, "boards")
    assert code == 0
    for name in BOARDS:
        line = next(ln for ln in out.splitlines() if ln.startswith(name + " "))
        assert line.split()[2] == str(fw.load_board(name)["chambers"])


@pytest.mark.parametrize("board", [None, *BOARDS])
def test_programs_json(capsys, board):
    code, out, _ = run(capsys, "programs", "--json", *(["--board", board] if board else []))
    assert code == 0
    listing = json.loads(out)
    chambers = fw.load_board(board or fw.DEFAULT_BOARD)["chambers"]
    assert listing["chambers"] == chambers
    assert [p["name"] for p in listing["programs"]] == PROGRAMS
    for p in listing["programs"]:
        record = fw.programs.PROGRAMS[fw.programs.find(p["name"])]
        assert p["kind"] in ("gradient", "pulse", "wave") and p["description"]
        targets = p["targets_mmhg"]
        assert len(targets) == chambers
        graded = list(targets)  # without a boost's zone raised above the rest
        zone = record[fw.programs.BOOST_ZONE]
        if 0 <= zone < chambers:
            graded[zone] = round(graded[zone] - record[fw.programs.BOOST_DMMHG] / 10, 1)
            assert targets[zone] > graded[zone]
        assert graded[0] == p["level_mmhg"]  # the distal chamber gets the level
        assert graded == sorted(graded, reverse=True)  # never rising toward the body
        assert p["level_min_mmhg"] <= p["level_mmhg"] <= p["level_max_mmhg"]
        assert all(p[k] > 0 for k in ("inflate_ms", "hold_ms", "release_ms", "rest_ms"))


def test_programs_text(capsys):
    code, out, _ = run(capsys, "programs")
    assert code == 0
    assert f"{fw.DEFAULT_BOARD} (4 chambers)" in out
    for name in PROGRAMS:
        assert any(line.startswith(name + " ") for line in out.splitlines())
    assert "targets 45 40 35 30" in out  # the gradient program on four chambers


# ---- sim ---------------------------------------------------------------------------

SUMMARY_KEYS = {"program", "board", "chambers", "targets_mmhg", "hard_limit_mmhg",
                "cycles", "faults", "sim_s", "wall_s"}


def test_summary_last_line_is_json(capsys):
    code, out, err = run(capsys, "sim", "--duration", 120, "--summary")
    assert code == 0 and err == ""
    summary = json.loads(out.splitlines()[-1])
    assert SUMMARY_KEYS <= set(summary)
    assert summary["program"] == "gradient" and summary["board"] == fw.DEFAULT_BOARD
    assert summary["chambers"] == 4 and len(summary["targets_mmhg"]) == 4
    assert summary["sim_s"] == pytest.approx(120)
    assert summary["wall_s"] > 0
    assert isinstance(summary["faults"], list)


@pytest.mark.parametrize("board", BOARDS)
def test_both_shells_give_the_same_columns_and_summary_keys(capsys, tmp_path, board):
    summaries, traces = {}, {}
    for shell in (None, "core"):  # None: the default, the device shell
        path = tmp_path / f"{shell}.csv"
        code, out, _ = run(capsys, "sim", "--board", board, "--duration", 30, "--trace", path, "--summary",
                           *(["--shell", shell] if shell else []))
        assert code == 0
        summaries[shell] = json.loads(out.splitlines()[-1])
        traces[shell] = read_trace(path)
    device, core = summaries[None], summaries["core"]
    assert (device["shell"], core["shell"]) == ("device", "core")
    assert set(device) == set(core) >= SUMMARY_KEYS
    assert list(traces[None]) == list(traces["core"]) == columns(fw.load_board(board)["chambers"])
    assert traces[None]["t_ms"] == traces["core"]["t_ms"]
    assert traces[None]["state"] == traces["core"]["state"] and "RUNNING" in traces[None]["state"]


def test_summary_passes_choices_through(capsys):
    code, out, _ = run(capsys, "sim", "--board", "esp32s3-8ch", "--program", "recovery", "--level", 50,
                       "--plant", "large-leg", "--seed", 3, "--duration", 30, "--summary")
    assert code == 0
    summary = json.loads(out.splitlines()[-1])
    assert (summary["board"], summary["program"], summary["chambers"]) == ("esp32s3-8ch", "recovery", 8)
    assert summary["targets_mmhg"] == [50.0] * 8  # within what the HX710B reads at any offset


def test_a_body_preset_runs_with_the_limb_model_on(capsys, tmp_path):
    # limb:small-leg is small-leg with the limb under it: a held chamber creeps and shows the pulse.
    held = {}
    for name in ("small-leg", "limb:small-leg"):
        path = tmp_path / f"{name}.csv"
        code, out, _ = run(capsys, "sim", "--plant", name, "--duration", 60, "--trace", path, "--summary")
        assert code == 0 and json.loads(out.splitlines()[-1])["faults"] == []
        trace = read_trace(path)
        held[name] = [p for p, i, v in zip(trace["p1"], trace["in1"], trace["out1"]) if p > 40 and not i and not v]
    swing = {name: max(ps) - min(ps) for name, ps in held.items()}
    assert swing["limb:small-leg"] > swing["small-leg"] + 1.0, swing


def test_text_report(capsys):
    code, out, _ = run(capsys, "sim", "--duration", 120)
    assert code == 0
    assert "program gradient on esp32-devkitc-4ch" in out
    assert "cycles completed" in out and "faults: none" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    assert all(r[2] != "-" for r in rows)  # a full wave happened in 120 s: peaks are shown


def test_a_fault_is_a_result_not_an_error(capsys, monkeypatch):
    real_run = simulation.simulate

    def faulted(**kw):
        result = real_run(**kw)
        result["faults"] = [{"code": "FILL_TIMEOUT", "t_ms": 22000}]
        return result

    monkeypatch.setattr(simulation, "simulate", faulted)
    code, out, _ = run(capsys, "sim", "--duration", 10)
    assert code == 0
    assert "FAULT FILL_TIMEOUT at 22.000 s: " + fault_text.meaning(fw.faults.FILL_TIMEOUT) in out
    code, out, _ = run(capsys, "sim", "--duration", 10, "--summary")
    assert code == 0 and json.loads(out.splitlines()[-1])["faults"][0]["code"] == "FILL_TIMEOUT"


def test_trace_columns_and_one_row_per_tick(capsys, tmp_path):
    path = tmp_path / "t.csv"
    code, out, _ = run(capsys, "sim", "--board", "esp32s3-8ch", "--duration", 60, "--trace", path)
    assert code == 0 and str(path) in out
    header, first = path.read_text().splitlines()[:2]
    n = range(1, 9)
    assert header.split(",") == (["t_ms", "state", "program", "fault", "pump"]
                                 + [f"p{i}" for i in n] + [f"s{i}" for i in n]
                                 + [f"in{i}" for i in n] + [f"out{i}" for i in n]
                                 + ["buttons", "events", "led", "buzzer"])
    cells = first.split(",")
    assert all(len(c.split(".")[1]) == 2 for c in cells[5:13])  # p: two decimals
    assert all(len(c.split(".")[1]) == 1 for c in cells[13:21])  # s: one decimal
    trace = read_trace(path)
    t = trace["t_ms"]
    assert t[0] == 0 and t[-1] == 60000
    assert all(b - a == simulation.TICK_MS for a, b in itertools.pairwise(t))
    assert set(trace["program"]) == {"gradient"}
    for i in n:
        assert set(trace[f"in{i}"]) <= {0, 1} and set(trace[f"out{i}"]) <= {0, 1}
    assert all(0 <= d <= 100 for d in trace["pump"])
    assert trace["buttons"][0] == 1 and trace["buttons"][-1] == 0  # START held at 0, let go
    assert trace["events"][0] == "board=esp32s3-8ch;plant=small-leg;seed=0;limit=200"


def test_plot_writes_a_png(capsys, tmp_path):
    path = tmp_path / "sub" / "s.png"  # the folder is created
    code, out, _ = run(capsys, "sim", "--duration", 120, "--plot", path)
    assert code == 0 and f"plot: {path}" in out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_plot_shades_a_fault(tmp_path):
    rec = Recorder(3, duration_s=10)
    for k in range(400):
        fault = "OVERPRESSURE" if k >= 200 else ""
        rec((k * 25, "RUNNING", "gradient", fault, 50 if k < 200 else 0,
             [k / 10, k / 20, 0.0], [0.0] * 3, [1, 0, 0], [0, 1, 1]))
    path = tmp_path / "f.png"
    plot(rec, path, {"program": "gradient", "board": "test", "targets_mmhg": [45, 40, 35],
                     "hard_limit_mmhg": 200, "cycles": 0,
                     "faults": [{"code": "OVERPRESSURE", "t_ms": 5000}]})
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_trace_writer_format(tmp_path):
    path = tmp_path / "w.csv"
    with TraceWriter(path, 2) as w:
        w((25, "RUNNING", "recovery", "", 80, [12.345, 0.0], [12.26, -0.04], [1, 0], [0, 1]))
        w((50, "FAULT", "recovery", "HARD_LIMIT", 0, [1.0, 2.0], [1.0, 2.0], [0, 0], [1, 1]), 4,
          ["inject=leak:2", "end=fault"], (1, 1))
    assert path.read_text().splitlines() == [
        ",".join(columns(2)),
        "25,RUNNING,recovery,,80,12.35,0.00,12.3,-0.0,1,0,0,1,,,,",
        "50,FAULT,recovery,HARD_LIMIT,0,1.00,2.00,1.0,2.0,0,0,1,1,4,inject=leak:2;end=fault,1,1",
    ]
    trace = read_trace(path)
    assert trace["fault"] == ["", "HARD_LIMIT"]
    assert trace["p1"] == [12.35, 1.0]
    assert trace["buttons"] == [None, 4] and trace["events"] == ["", "inject=leak:2;end=fault"]
    assert trace["led"] == [None, 1] and trace["buzzer"] == [None, 1]


# ---- --press -----------------------------------------------------------------------


def trace_of(capsys, tmp_path, *args):
    path = tmp_path / "p.csv"
    assert run(capsys, "sim", "--trace", path, *args)[0] == 0
    return read_trace(path)


def test_presses_reach_the_simulator_in_time_order(capsys, monkeypatch):
    seen = {}

    def spy(**kw):
        seen.update(kw)
        raise ValueError("stop here")

    monkeypatch.setattr(simulation, "simulate", spy)
    run(capsys, "sim", "--press", "up@2.5", "--press", "start@1:long", "--press", "mode@0")
    assert seen["presses"] == [simulation.Press("mode", 0, False), simulation.Press("start", 1000, True),
                               simulation.Press("up", 2500, False)]
    seen.clear()
    run(capsys, "sim")
    assert seen.get("presses") is None  # the simulator then taps START at t=0


def test_without_press_start_is_pressed_at_0(capsys, tmp_path):
    trace = trace_of(capsys, tmp_path, "--duration", 10)
    assert "RUNNING" in trace["state"]
    assert max(trace["pump"]) > 0


def test_with_presses_start_is_not_pressed_automatically(capsys, tmp_path):
    trace = trace_of(capsys, tmp_path, "--duration", 10, "--press", "mode@1")
    assert "RUNNING" not in trace["state"]
    assert max(trace["pump"]) == 0


def test_start_later_and_long_start_stops(capsys, tmp_path):
    trace = trace_of(capsys, tmp_path, "--duration", 45, "--press", "start@5", "--press", "start@20:long")
    t, state, pump = trace["t_ms"], trace["state"], trace["pump"]
    before = [i for i, x in enumerate(t) if x < 5000]
    assert all(pump[i] == 0 and state[i] != "RUNNING" for i in before)
    assert any(state[i] == "RUNNING" and pump[i] > 0 for i, x in enumerate(t) if 5000 <= x < 20000)
    # Two seconds of holding START stop the session; well after that all is off and vented.
    after = [i for i, x in enumerate(t) if x >= 30000]
    assert all(state[i] != "RUNNING" and pump[i] == 0 for i in after)
    assert all(trace["out1"][i] == trace["out4"][i] == 1 and trace["in1"][i] == 0 for i in after)


# ---- the installed command ---------------------------------------------------------


def test_console_script():
    script = pathlib.Path(sys.executable).with_name("pulseboot")
    if not script.exists():
        pytest.skip("no pulseboot console script beside this python (make test installs it)")
    ok = subprocess.run([script, "sim", "--duration", "30", "--summary"],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.splitlines()[-1])["sim_s"] == pytest.approx(30)
    bad = subprocess.run([script, "sim", "--program", "nope"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "pulseboot sim: unknown program 'nope'; allowed: gradient, recovery, wave, lymph, boost\n"
