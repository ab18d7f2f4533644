"""Static gates: MicroPython's compiler accepts every firmware and board file, the
device build succeeds for every board, and ruff is clean over the whole repo."""
import os
import re
import subprocess

import pytest

from pulseboot import build, fw, installed


def test_every_firmware_and_board_file_compiles_for_every_chip():
    files = build.check_all()
    assert any(f.name == "controller.py" for f in files)


@pytest.mark.parametrize("board", fw.board_names())
def test_build_lays_out_the_device_filesystem(board, tmp_path):
    out = build.build(board, tmp_path / "build")
    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert "lib/controller.mpy" in names and "lib/limiter.mpy" in names
    assert "lib/boards/%s.mpy" % board.replace("-", "_") in names
    assert (out / "board.txt").read_text().strip() == board
    assert not any(n.startswith("lib/") and n.endswith(".py") for n in names)  # all precompiled


def test_build_names_file_and_line_of_bad_syntax(tmp_path):
    bad = tmp_path / "lib" / "probe.py"
    bad.parent.mkdir()
    bad.write_text("x = 1\n\ndef f(a, /):\n    return a\n")  # positional-only: MicroPython rejects it
    with pytest.raises(build.BuildError) as err:
        build.compile_file(bad, None, "xtensawin", root=tmp_path)
    assert str(err.value).startswith("lib/probe.py:")
    assert "line 3" in str(err.value), str(err.value)


def test_ruff_is_clean():
    ruff = installed.tool("ruff")  # ToolMissing names the install command
    proc = subprocess.run([ruff, "check", "--output-format", "concise", str(fw.ROOT)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_device_code_type_checks_against_micropython_esp32_stubs():
    stubs = fw.ROOT / ".venv" / "mpy-stubs"
    assert (stubs / "machine.pyi").exists(), "stubs missing: run `make test` (installs them into .venv/mpy-stubs)"
    targets = [str(fw.LIB), str(fw.BOARDS)] + [str(p) for p in sorted(fw.FIRMWARE.glob("*.py"))]
    env = dict(os.environ, MYPYPATH=os.pathsep.join([str(stubs), str(fw.LIB)]))
    proc = subprocess.run([installed.tool("mypy"), "--config-file", str(fw.ROOT / "tools" / "mypy-micropython.ini"),
                           "--custom-typeshed-dir", str(stubs), "--cache-dir", str(stubs / ".mypy_cache"),
                           *targets], check=False, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_single_sensor_limiter_reads_the_limiters_packed_state_at_the_same_offsets():
    # limiter_manifold.py repeats limiter.py's offsets into the packed per-chamber and per-sensor
    # arrays (a private const() is not importable): a drift would read the wrong slot silently.
    def offsets(name):
        return dict(re.findall(r"^(_[A-Z_]+) = const\((-?\d+)\)", (fw.LIB / name).read_text(), re.M))

    base, manifold = offsets("limiter.py"), offsets("limiter_manifold.py")
    shared = set(base) & set(manifold)
    assert {"_FEED", "_STEP", "_AIR", "_FIRST", "_LEARN", "_FIRST_MOST", "_M_PATH"} <= shared
    assert {k: manifold[k] for k in shared} == {k: base[k] for k in shared}
