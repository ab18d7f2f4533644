"""`pulseboot log`: what tripped and what crashed, as the board keeps it on its flash
(trips.log, crash.log), read over its serial port with mpremote or from a directory (a copy of
the flash, or the simulated board's flash from `pulseboot sim --flash-dir`)."""
import json
import pathlib
import subprocess
import sys

from pulseboot import flash, installed
from pulseboot.cli.common import Parser, UsageError
from pulseboot.report import trip_log

_MARK = "--pulseboot-log "
# Run on the board by `mpremote exec`: each log after a marker line, nothing for a missing one.
_READ = ("for n in (%r, %r):\n"
         "    print(%r + n)\n"
         "    try:\n"
         "        f = open('/' + n)\n"
         "        print(f.read())\n"
         "        f.close()\n"
         "    except OSError:\n"
         "        pass\n") % (trip_log.TRIP_LOG, trip_log.CRASH_LOG, _MARK)


def cmd_log(argv):
    p = Parser("pulseboot log", "Show the board's trip log and crash log. Reading over --port interrupts the "
                                "running firmware (its safe state vents every chamber) and resets the board after.")
    p.option("--port", "PORT", "a serial port, e.g. /dev/ttyUSB0 or COM3", "read from the board on this serial port")
    p.option("--dir", "DIR", "a directory holding trips.log and/or crash.log",
             "read from a copy of the board's flash (or `pulseboot sim --flash-dir DIR`)")
    p.option("--json", help="print the logs as JSON")
    args = p.parse(argv)
    if (args.port is None) == (args.dir is None):
        raise UsageError("give one of --port PORT (the board's serial port) or --dir DIR (a copy of its flash)")
    if args.port is not None:
        where = args.port
        try:
            logs = _from_board(args.port)
        except flash.FlashError as e:
            print(f"pulseboot log: {e}", file=sys.stderr)
            return 1
    else:
        where = args.dir
        logs = _from_dir(args.dir)
    trips = trip_log.parse_trips(logs[trip_log.TRIP_LOG])
    crashes = [line for line in logs[trip_log.CRASH_LOG].splitlines() if line.strip()]
    if args.json:
        print(json.dumps({"from": where, "trips": [t.as_dict() if isinstance(t, trip_log.Trip) else {"line": t}
                                                   for t in trips], "crashes": crashes}, indent=1))
        return 0
    print("%s on %s, oldest first:" % (trip_log.TRIP_LOG, where))
    print(trip_log.trips_text(trips))
    print()
    print("%s:" % trip_log.CRASH_LOG)
    print("\n".join(crashes) if crashes else "no crashes recorded")
    return 0


def _from_dir(folder):
    path = pathlib.Path(folder)
    if not path.is_dir():
        raise UsageError(f"--dir {folder!r} is not a directory; give the folder that holds trips.log or crash.log")
    logs = {}
    for name in (trip_log.TRIP_LOG, trip_log.CRASH_LOG):
        f = path / name
        logs[name] = f.read_text(errors="replace") if f.exists() else ""
    return logs


def _from_board(port):
    if problem := flash.port_problem(port):
        raise UsageError(problem)
    argv = [installed.tool("mpremote"), "connect", port, "exec", _READ, "+", "reset"]
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, errors="replace")
    out = proc.stdout
    if proc.returncode != 0 or _MARK + trip_log.TRIP_LOG not in out:
        said = (proc.stdout + proc.stderr).strip()
        last = said.splitlines()[-1] if said else "exit %d" % proc.returncode
        last = last.split("TransportError: ", 1)[-1].removeprefix("mpremote: ")
        raise flash.FlashError("mpremote cannot read the logs on %s (%s): is the board on this port and running "
                               "MicroPython?" % (port, last))
    logs = {trip_log.TRIP_LOG: "", trip_log.CRASH_LOG: ""}
    name = None
    for line in out.splitlines():
        if line.startswith(_MARK):
            name = line[len(_MARK):].strip()
        elif name in logs:
            logs[name] += line + "\n"
    return logs
