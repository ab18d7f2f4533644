"""`pulseboot flash --dry-run`: the exact mpremote sequence, runnable as printed; the port checked
before anything runs; a real run against a fake mpremote.
Builds go into tmp_path or a temporary directory, never into the repo."""
import os
import shlex
import stat
import subprocess

import pytest

from pulseboot import build, cli, flash, fw


@pytest.fixture(autouse=True)
def default_out(tmp_path, monkeypatch):
    """The default build/ directory, moved into tmp_path."""
    out = tmp_path / "repo" / "build"
    monkeypatch.setattr(build, "DEFAULT_OUT", out)
    return out


@pytest.fixture
def ports(monkeypatch):
    """The serial ports pyserial reports, as a test wants them."""
    found = []
    monkeypatch.setattr(flash, "serial_ports", lambda: list(found))
    return found


def commands(out):
    """The printed command lines (comment lines left out), split as a shell would."""
    return [shlex.split(line) for line in out.strip().splitlines() if not line.startswith("#")]


def dry_run(capsys, *extra):
    code = cli.main(["flash", "--port", "/dev/ttyUSB0", "--dry-run", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return commands(out)


def fake_mpremote(tmp_path, monkeypatch, script=""):
    """A stand-in mpremote that logs its arguments (one call a line) and runs script."""
    log = tmp_path / "calls.txt"
    fake = tmp_path / "mpremote"
    fake.write_text("#!/bin/sh\necho \"$@\" >> %s\n%s\n" % (log, script))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    real = flash.installed.tool
    monkeypatch.setattr(flash.installed, "tool", lambda name: str(fake) if name == "mpremote" else real(name))
    return log


def test_dry_run_prints_a_sane_mpremote_sequence(capsys):
    lines = dry_run(capsys)
    assert all(line[0].endswith("mpremote") and line[1:3] == ["connect", "/dev/ttyUSB0"] for line in lines)
    steps = [" ".join(line[3:]) for line in lines]
    assert steps[0] == "fs rm :main.py"
    assert steps[1] == "fs rm -r :lib"
    assert ":boot.py" in steps[2] and "-r" in steps[2] and ":board.txt" in steps[2]
    assert steps[3].endswith(":main.py")  # main.py goes on last, after everything it imports
    assert steps[4] == "reset"
    assert not any("settings" in s or "crash" in s for s in steps)  # saved settings and the log stay


def test_dry_run_builds_for_the_chosen_board(capsys, tmp_path):
    out = tmp_path / "out"
    lines = dry_run(capsys, "--board", "esp32s3-8ch", "--out", str(out))
    assert (out / "board.txt").read_text().strip() == "esp32s3-8ch"
    assert (out / "lib" / "boards" / "esp32s3_8ch.mpy").exists()
    assert str(out / "main.py") in lines[3]


def test_dry_run_without_out_builds_into_build_and_keeps_it(capsys, default_out):
    lines = dry_run(capsys)
    assert lines[3][-2] == str(default_out / "main.py") and (default_out / "main.py").exists()
    assert (default_out / "board.txt").read_text().strip() == fw.DEFAULT_BOARD


def test_dry_run_commands_can_be_run_as_printed(capsys, tmp_path, monkeypatch):
    # The fake mpremote fails unless every local file or directory it is handed exists.
    log = fake_mpremote(tmp_path, monkeypatch, 'for a in "$@"; do case "$a" in /*) test -e "$a" || exit 9;; esac; done')
    monkeypatch.chdir(tmp_path)
    assert cli.main(["flash", "--port", "COM3", "--dry-run", "--out", "rel/out"]) == 0
    out = capsys.readouterr().out
    assert "rel/out" in out and not log.exists()  # a dry run runs nothing
    monkeypatch.chdir("/")  # run from elsewhere: the paths are absolute
    for line in out.strip().splitlines():
        assert subprocess.run(line, shell=True, check=False).returncode == 0, line
    assert len(log.read_text().splitlines()) == 5


def test_dry_run_refuses_a_build_directory_that_is_not_a_build(capsys, default_out):
    default_out.mkdir(parents=True)
    (default_out / "notes.txt").write_text("keep\n")
    assert cli.main(["flash", "--port", "/dev/ttyUSB0", "--dry-run"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (default_out / "notes.txt").read_text() == "keep\n"


def test_a_real_run_without_out_builds_in_a_temporary_directory_and_removes_it(capsys, tmp_path, monkeypatch,
                                                                               ports, default_out):
    ports.append("COM3")
    log = fake_mpremote(tmp_path, monkeypatch)
    assert cli.main(["flash", "--port", "COM3"]) == 0
    main_py = log.read_text().splitlines()[3].split()[-2]
    assert main_py.endswith("/main.py") and fw.ROOT.as_posix() not in main_py
    assert not os.path.exists(main_py) and not default_out.exists()


def test_a_port_that_does_not_exist_is_one_line_listing_the_ports_there(capsys, tmp_path, monkeypatch, ports):
    ports.extend(["/dev/ttyACM0", "/dev/ttyUSB0"])
    log = fake_mpremote(tmp_path, monkeypatch)
    assert cli.main(["flash", "--port", "/dev/ttyUSB9", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pulseboot flash: ")
    assert "/dev/ttyUSB9" in err and "/dev/ttyACM0, /dev/ttyUSB0" in err
    assert not log.exists() and not (tmp_path / "out").exists()  # checked before building or calling mpremote


def test_no_serial_ports_at_all_says_none_found(capsys, tmp_path, monkeypatch, ports):
    log = fake_mpremote(tmp_path, monkeypatch)
    assert cli.main(["flash", "--port", "/dev/ttyUSB9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none found" in err and not log.exists()


def test_a_port_that_is_an_existing_path_is_accepted(capsys, tmp_path, monkeypatch, ports):
    master, slave = os.openpty()  # a pty: no serial port pyserial lists, but a device mpremote can open
    try:
        log = fake_mpremote(tmp_path, monkeypatch)
        assert cli.main(["flash", "--port", os.ttyname(slave), "--out", str(tmp_path / "out")]) == 0
        assert len(log.read_text().splitlines()) == 5
    finally:
        os.close(master)
        os.close(slave)


def test_a_dry_run_for_a_port_not_there_yet_prints_the_commands_and_says_so(capsys, ports):
    assert cli.main(["flash", "--port", "/dev/ttyUSB9", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert len(commands(out)) == 5
    assert "/dev/ttyUSB9" in err and "none found" in err and err.count("\n") == 1


def test_a_new_board_with_nothing_to_remove_is_flashed(capsys, tmp_path, monkeypatch, ports):
    ports.append("COM3")
    log = fake_mpremote(tmp_path, monkeypatch,
                        'case "$*" in *" rm "*) echo "mpremote: rm: x: No such file or directory." >&2; exit 1;; esac')
    assert cli.main(["flash", "--port", "COM3", "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert len(log.read_text().splitlines()) == 5 and "flashed" in out and err == ""


def test_a_port_with_no_micropython_behind_it_is_one_line_and_stops_at_once(capsys, tmp_path, monkeypatch, ports):
    ports.append("/dev/ttyS0")  # exists, but nothing answers: mpremote prints a traceback each time
    log = fake_mpremote(tmp_path, monkeypatch, 'printf "Traceback (most recent call last):\\n  File x\\n'
                        'mpremote.transport.TransportError: could not enter raw repl\\n" >&2; exit 1')
    assert cli.main(["flash", "--port", "/dev/ttyS0", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "could not enter raw repl" in err
    assert "/dev/ttyS0" in err and "Nothing on it was changed" in err
    assert len(log.read_text().splitlines()) == 1


def test_flash_needs_a_port(capsys):
    assert cli.main(["flash", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port is required" in err


def test_real_run_calls_mpremote_in_order_and_reports_a_failure(tmp_path, monkeypatch, capsys, ports):
    ports.append("COM3")  # how pyserial names a port on Windows
    log = fake_mpremote(tmp_path, monkeypatch, 'case "$*" in *reset*) exit 3;; esac')
    code = cli.main(["flash", "--port", "COM3", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    calls = log.read_text().splitlines()
    assert len(calls) == 5 and calls[0].startswith("connect COM3 fs rm")
    assert code == 1 and "reset" in err and err.count("\n") == 1
