"""`pulseboot flash --dry-run`: the exact mpremote sequence, and a real run against a fake mpremote.
Builds go into tmp_path or a temporary directory, never into the repo."""
import pathlib
import stat

from pulseboot import cli, flash, fw


def dry_run(capsys, *extra):
    code = cli.main(["flash", "--port", "/dev/ttyUSB0", "--dry-run", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [line.split() for line in out.strip().splitlines()]


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


def test_without_out_the_build_goes_to_a_temporary_directory_and_is_removed(capsys):
    lines = dry_run(capsys)
    main_py = pathlib.Path(lines[3][-2])
    assert main_py.name == "main.py" and fw.ROOT not in main_py.parents and not main_py.exists()


def test_flash_needs_a_port(capsys):
    assert cli.main(["flash", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port is required" in err


def test_real_run_calls_mpremote_in_order_and_reports_a_failure(tmp_path, monkeypatch, capsys):
    log = tmp_path / "calls.txt"
    fake = tmp_path / "mpremote"
    fake.write_text("#!/bin/sh\necho \"$@\" >> %s\ncase \"$*\" in *reset*) exit 3;; esac\n" % log)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    real = flash.installed.tool
    monkeypatch.setattr(flash.installed, "tool", lambda name: str(fake) if name == "mpremote" else real(name))
    code = cli.main(["flash", "--port", "COM3", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    calls = log.read_text().splitlines()
    assert len(calls) == 5 and calls[0].startswith("connect COM3 fs rm")
    assert code == 1 and "reset" in err and err.count("\n") == 1
