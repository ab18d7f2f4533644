"""The `pulseboot` command: one module per subcommand, dispatched from here.

Every usage error is one line on stderr naming what is wrong and what is allowed,
exit status 2. argparse only splits the command line (every value arrives as a
string); the checks, and their messages, are ours.
"""
import importlib
import sys

from pulseboot.cli.common import UsageError

# command -> (module in this package, one line of help). Modules load only when asked for.
COMMANDS = {
    "sim": ("sim", "run the firmware against the simulated plant (pulseboot sim --help)"),
    "programs": ("programs", "list therapy programs: targets and timings"),
    "boards": ("boards", "list board profiles: chip, chambers, valve topology, hard limit"),
    "build": ("build", "compile the firmware with mpy-cross into build/ (pulseboot build --board NAME)"),
    "flash": ("flash", "build, copy onto a board with mpremote and reset (pulseboot flash --port PORT)"),
    "bench": ("bench", "measure tick time, allocation, heap, bundle size and simulator speed"),
}


def _help():
    lines = ["usage: pulseboot COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(_help(), end="")
        return 0
    command = argv[0] if argv else None
    prog = "pulseboot" if command not in COMMANDS else "pulseboot " + command
    try:
        if command is None:
            raise UsageError("missing command; allowed: " + ", ".join(COMMANDS))
        if command not in COMMANDS:
            raise UsageError(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}")
        module = importlib.import_module("pulseboot.cli." + COMMANDS[command][0])
        return getattr(module, "cmd_" + command)(argv[1:])
    except UsageError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
