"""The `pulseboot` command: one module per subcommand, dispatched from here.

Every usage error is one line on stderr naming what is wrong and what is allowed,
exit status 2. argparse only splits the command line (every value arrives as a
string); the checks, and their messages, are ours. An error of the machine rather
than of the command line (an OSError such as a full disk or a denied path, a tool
not installed) is one line too, exit status 1; never a traceback. A reader that goes
away (`pulseboot boards | head -1`) ends the command quietly.
"""
import importlib
import sys

from pulseboot import installed
from pulseboot.cli.common import UsageError, os_error_line, quiet_exit_on_closed_stdout, stdout_gone

# command -> (module in this package, one line of help). Modules load only when asked for.
COMMANDS = {
    "sim": ("sim", "run the firmware against the simulated plant (pulseboot sim --help)"),
    "plot": ("plot", "draw a saved trace (sim or bench): pulseboot plot TRACE.csv [--out FILE]"),
    "fit": ("fit", "fit the plant to a recorded session: pulseboot fit TRACE.csv --bottle-ml N --out P.json"),
    "programs": ("programs", "list therapy programs: targets and timings"),
    "program": ("program", "check a custom program file and simulate it: pulseboot program check FILE [--board NAME]"),
    "boards": ("boards", "list board profiles: chip, chambers, valve topology, hard limit"),
    "build": ("build", "compile the firmware with mpy-cross into build/ (pulseboot build --board NAME)"),
    "flash": ("flash", "build, copy onto a board with mpremote and reset (pulseboot flash --port PORT)"),
    "bench": ("bench", "measure tick time, allocation, heap, bundle size and simulator speed"),
    "faults": ("faults", "inject every fault on every board and phase, check each run's bounds (--quick)"),
    "twin": ("twin", "the firmware against the plant in real time, in the terminal; keys are the buttons"),
    "log": ("log", "show the trips and crashes a board keeps on its flash (pulseboot log --port PORT)"),
    "monitor": ("monitor", "watch a board live over its serial port, record a trace (pulseboot monitor --port PORT)"),
}


def _help():
    lines = ["usage: pulseboot COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv else None
    prog = "pulseboot" if command not in COMMANDS else "pulseboot " + command
    try:
        code = _dispatch(argv, command)
        sys.stdout.flush()  # here, not at exit: a closed pipe is then caught below
        return code
    except UsageError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError as e:
        if stdout_gone():
            return quiet_exit_on_closed_stdout()
        print(f"{prog}: {os_error_line(e)}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{prog}: {os_error_line(e)}", file=sys.stderr)
        return 1
    except installed.ToolMissing as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1


def _dispatch(argv, command):
    if command in ("-h", "--help"):
        print(_help(), end="")
        return 0
    if command is None:
        raise UsageError("missing command; allowed: " + ", ".join(COMMANDS))
    if command not in COMMANDS:
        raise UsageError(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}")
    module = importlib.import_module("pulseboot.cli." + COMMANDS[command][0])
    try:
        return getattr(module, "cmd_" + command)(argv[1:])
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
