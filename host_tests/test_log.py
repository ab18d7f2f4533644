"""`pulseboot log`: the trips a board keeps on its flash, read from a directory (the simulated
board's own flash, written by the unmodified main.py) or over a port through mpremote (a
stand-in that runs the command's script against a directory as the board's flash)."""
import json
import os
import stat
import sys

import pytest

from pulseboot import cli, flash
from pulseboot.report import trip_log


def sim_with_a_fault(flash_dir, capsys):
    # A detached sensor on chamber 2 while the boot rests: caught at its next fill (NO_RISE).
    code = cli.main(["sim", "--duration", "100", "--fault", "detached-sensor:2@25", "--flash-dir", str(flash_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "FAULT NO_RISE" in out and f"pulseboot log --dir {flash_dir}" in out
    return out


def test_the_trip_the_firmware_kept_is_shown_with_its_chamber_value_limit_and_meaning(tmp_path, capsys):
    sim_with_a_fault(tmp_path / "flash", capsys)
    assert cli.main(["log", "--dir", str(tmp_path / "flash")]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "NO_RISE" in line)
    assert row.split()[2] == "2"  # chamber 2, counted from the foot
    assert "reading did not rise" in row
    assert "no crashes recorded" in out
    assert cli.main(["log", "--dir", str(tmp_path / "flash"), "--json"]) == 0
    trips = json.loads(capsys.readouterr().out)["trips"]
    assert [(t["code"], t["chamber"], t["unit"]) for t in trips] == [("NO_RISE", 2, "s")]
    assert trips[0]["value"] > trips[0]["limit"]


def test_a_kept_flash_keeps_its_trips_from_run_to_run_as_a_board_does(tmp_path, capsys):
    sim_with_a_fault(tmp_path / "flash", capsys)
    sim_with_a_fault(tmp_path / "flash", capsys)
    assert len(trip_log.parse_trips((tmp_path / "flash" / "trips.log").read_text())) == 2


def test_a_line_that_does_not_parse_is_kept_not_dropped():
    trips = trip_log.parse_trips("t=1500 LEAK chamber=3 value=3.4mmHg limit=3.0mmHg\ngarbage after a power cut\n")
    assert isinstance(trips[0], trip_log.Trip) and trips[0].chamber == 3
    text = trip_log.trips_text(trips)
    assert "garbage after a power cut" in text and "0:00:01.5" in text


@pytest.fixture
def board(tmp_path, monkeypatch):
    """A serial port (a pty) with a stand-in mpremote whose board's flash is tmp_path/board."""
    flash_root = tmp_path / "board"
    flash_root.mkdir()
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "mpremote"
    fake.write_text(f"""#!{sys.executable}
import builtins, sys
args = sys.argv[1:]
open({str(calls)!r}, "a").write(" ".join(a for a in args if "\\n" not in a) + "\\n")
if __import__("os").path.exists({str(tmp_path / "dead")!r}):  # the board does not answer
    sys.exit("mpremote: failed to access " + args[1])
real = builtins.open
builtins.open = lambda path, *a, **k: real({str(flash_root)!r} + path, *a, **k)
exec(args[args.index("exec") + 1])
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    real_tool = flash.installed.tool
    monkeypatch.setattr(flash.installed, "tool", lambda name: str(fake) if name == "mpremote" else real_tool(name))
    master, slave = os.openpty()
    yield os.ttyname(slave), flash_root, calls
    os.close(master)
    os.close(slave)


def test_over_the_port_both_logs_are_read_and_the_board_is_reset_after(board, capsys):
    port, flash_root, calls = board
    (flash_root / "trips.log").write_text("t=61000 OVERPRESSURE chamber=1 value=61.2mmHg limit=60.0mmHg\n")
    (flash_root / "crash.log").write_text("5000 ms MemoryError: memory allocation failed (state RUNNING, fault 0)\n")
    assert cli.main(["log", "--port", port]) == 0
    out = capsys.readouterr().out
    assert "OVERPRESSURE" in out and "61.2 mmHg" in out and "0:01:01.0" in out
    assert "MemoryError: memory allocation failed" in out
    assert calls.read_text().split() == ["connect", port, "exec", "+", "reset"]


def test_a_board_without_logs_says_so(board, capsys):
    port, _, _ = board
    assert cli.main(["log", "--port", port]) == 0
    out = capsys.readouterr().out
    assert "no trips recorded" in out and "no crashes recorded" in out


def test_a_board_that_does_not_answer_is_one_line_exit_1(board, tmp_path, capsys):
    port, _, _ = board
    (tmp_path / "dead").write_text("")
    assert cli.main(["log", "--port", port]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the logs on " + port in err


@pytest.mark.parametrize("argv, says", [
    ([], "give one of --port PORT"),
    (["--port", "/dev/ttyUSB0", "--dir", "x"], "give one of --port PORT"),
    (["--dir", "/nonexistent/flash"], "is not a directory"),
    (["--port", "/dev/no-such-port"], "no serial port '/dev/no-such-port'"),
    (["--port"], "--port needs a value"),
])
def test_bad_use_is_one_line_exit_2(argv, says, capsys):
    assert cli.main(["log", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err


def test_sim_refuses_a_flash_dir_that_holds_something_else(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["sim", "--duration", "1", "--flash-dir", str(tmp_path)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
