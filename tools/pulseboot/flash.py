"""`pulseboot flash`: build, then copy the build onto a board running MicroPython with mpremote.

The port is checked first: a port that is neither a serial port pyserial finds nor a path that
exists (a pty, a udev symlink) stops here with one line listing the ports there are.
The build goes into `--out DIR` (kept; the same rules as `pulseboot build --out`). Without it a
real run builds into a temporary directory, removed afterwards; a dry run builds into build/ and
keeps it, so the commands it prints can be run as shown (their paths are absolute).
The steps, each one mpremote call so a failure names the step:
  1. the build for the board (mpy-cross);
  2. remove the old main.py, so a board reset mid-flash boots to the REPL (boot.py still vents),
     and the old /lib (a stale .py there would shadow the new .mpy files);
  3. copy boot.py, lib/ and board.txt (which board main.py loads);
  4. copy main.py last: until it lands, the board boots into the REPL, not a half-copied program;
  5. hard reset, so boot.py vents everything and main.py starts.
Settings (/settings.json) and the crash log on the board are left alone.
"""
import os
import shlex
import subprocess
import tempfile

from . import build, installed


TOLERATED = 2  # the first steps only remove what may not be there


class FlashError(Exception):
    pass


class PortMissing(FlashError):
    """The port names nothing on this machine; str() says so and lists the ports there are."""


def serial_ports():
    """The serial ports pyserial finds on this machine, sorted (none if pyserial is missing)."""
    try:
        from serial.tools import list_ports
    except ImportError:
        return []
    try:
        return sorted(p.device for p in list_ports.comports())
    except OSError:
        return []


def port_problem(port):
    """None when mpremote can try the port; else one line: it is not there, and what is."""
    if "://" in port or port.startswith("id:"):  # a pyserial URL or a USB serial number: mpremote looks
        return None
    ports = serial_ports()
    found = ", ".join(ports) or "none found"
    if port == "auto":  # mpremote's own: the first USB serial port
        return None if ports else "--port auto: no serial port found (is the board plugged in?)"
    device = port[len("port:"):] if port.startswith("port:") else port
    if device in ports or os.path.exists(device):
        return None
    return "no serial port %r (is the board plugged in, and is this its port?); serial ports found: %s" % (
        port, found)


def commands(port, out_dir):
    """The mpremote invocations, as argument lists; the build's paths made absolute."""
    mp = installed.tool("mpremote")
    base = [mp, "connect", port]
    out = os.path.abspath(out_dir)
    return [
        [*base, "fs", "rm", ":main.py"],
        [*base, "fs", "rm", "-r", ":lib"],
        [*base, "fs", "cp", os.path.join(out, "boot.py"), ":boot.py",
         "+", "fs", "cp", "-r", os.path.join(out, "lib"), ":",
         "+", "fs", "cp", os.path.join(out, "board.txt"), ":board.txt"],
        [*base, "fs", "cp", os.path.join(out, "main.py"), ":main.py"],
        [*base, "reset"],
    ]


def shell_line(argv):
    return " ".join(shlex.quote(a) for a in argv)


def flash(port, board_name, dry_run=False, out_dir=None, echo=print, line_numbers=False):
    """Build and copy onto the board at port; with dry_run, build and echo the commands only.

    out_dir: where the build goes (kept). None: build/ for a dry run (kept, so the commands
    printed can be run), a temporary directory removed at the end for a real run."""
    problem = port_problem(port)
    if problem and not dry_run:
        raise PortMissing(problem)
    if dry_run:
        out = build.build(board_name, out_dir or build.DEFAULT_OUT, line_numbers=line_numbers)
        echo("# build kept in %s; the first two commands fail harmlessly on a board without main.py or /lib"
             % os.path.abspath(out))
        steps = commands(port, out)
        for argv in steps:
            echo(shell_line(argv))
        return steps
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="pulseboot-flash-") as tmp:
            return _flash(port, board_name, tmp, echo, line_numbers)
    return _flash(port, board_name, out_dir, echo, line_numbers)


def _flash(port, board_name, out_dir, echo, line_numbers=False):
    out = build.build(board_name, out_dir, line_numbers=line_numbers)
    steps = commands(port, out)
    for i, argv in enumerate(steps):
        echo(shell_line(argv))
        if i < TOLERATED:
            _remove(argv, port, echo, "nothing on it was changed" if i == 0 else
                    "its main.py is removed, so it boots to the REPL; flash again")
            continue
        proc = subprocess.run(argv, check=False)
        if proc.returncode != 0:
            raise FlashError("mpremote failed (exit %d) at: %s" % (proc.returncode, " ".join(argv[3:])))
    return steps


def _remove(argv, port, echo, state):
    """A removal that may find nothing to remove (a new board): that failure is fine. Any other
    (no MicroPython answering on the port, the port busy) stops the flash before it copies anything,
    with mpremote's last line rather than its traceback, once; state says what the board is left with."""
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, errors="replace")
    said = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 0:
        if proc.stdout.strip():
            echo(proc.stdout.rstrip())
        return
    if "No such file or directory" in said or "ENOENT" in said:
        echo("  (nothing to remove)")
        return
    last = said.splitlines()[-1] if said else "exit %d" % proc.returncode
    last = last.split("TransportError: ", 1)[-1].removeprefix("mpremote: ")
    raise FlashError("mpremote cannot reach MicroPython on %s (%s): is the board on this port and running "
                     "MicroPython? %s" % (port, last, state[0].upper() + state[1:]))
