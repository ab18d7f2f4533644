"""`pulseboot flash`: build, then copy the build onto a board running MicroPython with mpremote.

The build goes into a temporary directory, removed afterwards, or into `--out DIR` (kept).
The steps, each one mpremote call so a failure names the step:
  1. the build for the board (mpy-cross);
  2. remove the old main.py, so a board reset mid-flash boots to the REPL (boot.py still vents),
     and the old /lib (a stale .py there would shadow the new .mpy files);
  3. copy boot.py, lib/ and board.txt (which board main.py loads);
  4. copy main.py last: until it lands, the board boots into the REPL, not a half-copied program;
  5. hard reset, so boot.py vents everything and main.py starts.
Settings (/settings.json) and the crash log on the board are left alone.
"""
import shlex
import subprocess
import tempfile

from . import build, installed


TOLERATED = 2  # the first steps only remove what may not be there


class FlashError(Exception):
    pass


def commands(port, out_dir):
    """The mpremote invocations, as argument lists."""
    mp = installed.tool("mpremote")
    base = [mp, "connect", port]
    out = str(out_dir)
    return [
        [*base, "fs", "rm", ":main.py"],
        [*base, "fs", "rm", "-r", ":lib"],
        [*base, "fs", "cp", out + "/boot.py", ":boot.py",
         "+", "fs", "cp", "-r", out + "/lib", ":",
         "+", "fs", "cp", out + "/board.txt", ":board.txt"],
        [*base, "fs", "cp", out + "/main.py", ":main.py"],
        [*base, "reset"],
    ]


def flash(port, board_name, dry_run=False, out_dir=None, echo=print):
    """out_dir: where the build goes (kept); None: a temporary directory, removed at the end."""
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="pulseboot-flash-") as tmp:
            return _flash(port, board_name, dry_run, tmp, echo)
    return _flash(port, board_name, dry_run, out_dir, echo)


def _flash(port, board_name, dry_run, out_dir, echo):
    out = build.build(board_name, out_dir)
    steps = commands(port, out)
    for i, argv in enumerate(steps):
        echo(" ".join(shlex.quote(a) for a in argv))
        if dry_run:
            continue
        proc = subprocess.run(argv, check=False)
        if proc.returncode != 0 and i >= TOLERATED:  # a new board has no main.py or /lib to remove
            raise FlashError("mpremote failed (exit %d) at: %s" % (proc.returncode, " ".join(argv[3:])))
    return steps
