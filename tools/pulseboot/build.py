"""Compile the firmware with mpy-cross into build/, laid out as the device's filesystem.

    build/boot.py, build/main.py   source: MicroPython runs these two by name at reset
    build/lib/*.mpy                 the control core and drivers, precompiled for the chip
    build/lib/boards/<board>.mpy    the selected board profile
    build/board.txt                 which board main.py loads

A file MicroPython rejects fails the build with its path, line and message.
"""
import pathlib
import shutil
import subprocess

from . import fw, installed

# Code emitters per chip family: the ESP32 and ESP32-S3 are both Xtensa LX with windowed ABI.
MARCH = {"esp32": "xtensawin", "esp32s3": "xtensawin"}
ENTRY_FILES = ("boot.py", "main.py")


class BuildError(Exception):
    """One line: the file and what mpy-cross said about it."""


def mpy_cross():
    try:
        return installed.tool("mpy-cross")
    except installed.ToolMissing as e:
        raise BuildError(str(e)) from None


def compile_file(src, dest, march, root=fw.ROOT):
    """Compile src to dest (.mpy), or only syntax-check when dest is None."""
    out = dest if dest is not None else "/dev/null"
    rel = src.relative_to(root)
    # Tracebacks on the chip name the file where it sits there (lib/..., lib/boards/...).
    on_device = rel.relative_to("firmware") if rel.parts[0] == "firmware" else "lib" / rel
    proc = subprocess.run([mpy_cross(), "-march=" + march, "-s", str(on_device), "-o", str(out), str(src)],
                          check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        where = [ln.strip() for ln in lines if ln.strip().startswith("File ")]
        line = where[-1].rsplit(",", 1)[-1].strip() + ": " if where and "line" in where[-1] else ""
        raise BuildError("%s: %s%s" % (rel, line, lines[-1] if lines else "rejected by mpy-cross"))


def build(board_name=fw.DEFAULT_BOARD, out_dir=None):
    """Build the firmware for a board; returns the output directory."""
    board = fw.load_board(board_name)
    march = MARCH.get(board["chip"])
    if march is None:
        raise BuildError("board %s: unknown chip %r; allowed: %s" % (board_name, board["chip"], ", ".join(MARCH)))
    out = pathlib.Path(out_dir) if out_dir else fw.ROOT / "build"
    if out.exists():
        shutil.rmtree(out)
    (out / "lib" / "boards").mkdir(parents=True)
    for name in ENTRY_FILES:
        src = fw.FIRMWARE / name
        if src.exists():
            compile_file(src, None, march)
            shutil.copyfile(src, out / name)
    for src in sorted(fw.LIB.rglob("*.py")):
        dest = out / "lib" / src.relative_to(fw.LIB).with_suffix(".mpy")
        dest.parent.mkdir(parents=True, exist_ok=True)
        compile_file(src, dest, march)
    board_file = fw.BOARDS / (board_name.replace("-", "_") + ".py")
    compile_file(board_file, out / "lib" / "boards" / board_file.with_suffix(".mpy").name, march)
    (out / "board.txt").write_text(board["name"] + "\n")
    return out


def check_all():
    """Syntax-check every firmware and board file for every supported chip."""
    files = sorted(fw.FIRMWARE.rglob("*.py")) + sorted(fw.BOARDS.glob("*.py"))
    for src in files:
        for march in sorted(set(MARCH.values())):
            compile_file(src, None, march)
    return files


def bundle_bytes(out):
    return sum(p.stat().st_size for p in pathlib.Path(out).rglob("*") if p.is_file())
