"""What every `pulseboot` subcommand shares: one-line usage errors and their parser, and the
one-line form of an OS error."""
import argparse
import errno
import os
import pathlib
import select
import sys


class UsageError(Exception):
    """A bad command line; str() is the one line shown after the command's name."""


class Parser(argparse.ArgumentParser):
    """argparse raising UsageError (one line) instead of printing usage and exiting."""

    def __init__(self, prog, description):
        super().__init__(prog=prog, description=description, allow_abbrev=False)
        self.expect = {}  # option -> what its value should be, for error messages

    def option(self, flag, metavar=None, expect="", help="", **kw):
        if metavar is None:
            self.add_argument(flag, action="store_true", help=help)
        else:
            self.add_argument(flag, metavar=metavar, help=help, **kw)
            self.expect[flag] = expect

    def error(self, message):
        # argparse says e.g. "argument --level: expected one argument".
        flag = message.split(":", 1)[0].replace("argument ", "").split("/")[-1]
        if "expected one argument" in message and flag in self.expect:
            raise UsageError(f"{flag} needs a value: {self.expect[flag]}")
        if "ignored explicit argument" in message:
            raise UsageError(f"{flag} takes no value")
        raise UsageError(f"{message}; usage: {' '.join(self.format_usage().split())}")

    def parse(self, argv):
        args, extra = self.parse_known_args(argv)
        if extra:
            switches = [a.option_strings[-1] for a in self._actions
                        if a.option_strings and a.dest != "help" and a.nargs == 0]
            allowed = ", ".join(sorted(self.expect) + sorted(switches))
            raise UsageError(f"unexpected argument {extra[0]!r}; allowed options: {allowed}")
        return args


def choose(what, value, allowed, default):
    if value is None:
        return default
    if value not in allowed:
        raise UsageError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return value


def os_error_line(e):
    """An OSError as one line: the path and what the system said, without `[Errno N]`.

    A directory made where a regular file already is (Path.mkdir(parents=True, exist_ok=True)
    with a file in the way) raises FileExistsError; the truth for the user is that the path
    is not a directory, so that is what the line says."""
    what = e.strerror or str(e) or type(e).__name__
    if isinstance(e, FileExistsError) and e.filename is not None and _raised_by_mkdir(e):
        if os.path.exists(e.filename) and not os.path.isdir(e.filename):
            what = os.strerror(errno.ENOTDIR)
    if e.filename is None:
        return what
    where = os.fsdecode(e.filename) if isinstance(e.filename, (str, bytes, os.PathLike)) else str(e.filename)
    if getattr(e, "filename2", None) is not None:
        where += " -> " + os.fsdecode(e.filename2)
    return f"{where}: {what}"


def _raised_by_mkdir(e):
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name in ("mkdir", "makedirs")


def stdout_gone():
    """True when stdout is a pipe whose reader has gone (`pulseboot ... | head`)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no real file (a test's capture)
        return False


def quiet_exit_on_closed_stdout():
    """After a broken pipe on stdout: point stdout at devnull, so the flush at interpreter exit
    raises nothing either (see the note on SIGPIPE in Python's `signal` docs). Exit status 1."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    return 1


def same_file(a, b):
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist yet
        return False


def existing_ancestor(path):
    """The nearest folder (or whatever stands there) above path that exists."""
    p = pathlib.Path(os.path.abspath(path)).parent
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_writable(flag, path):
    """Fail before a long run, not after it; creates missing parent folders."""
    where = existing_ancestor(path)
    if not where.is_dir():  # a regular file where a folder should be: mkdir would say "File exists"
        raise UsageError(f"{flag} {path!r}: cannot write there ({os.strerror(errno.ENOTDIR)}: "
                         f"{str(where)!r} is a file); expected a writable file path")
    try:
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as e:
        raise UsageError(f"{flag} {path!r}: cannot write there ({e.strerror or e}); "
                         "expected a writable file path") from None


LIMB = "limb:"  # a preset name's prefix: that body preset with the whole limb model on


def plant_preset(value, prefix=""):
    """(PlantParams, label) of a plant preset name or a preset file (plant/from_json.py);
    UsageError naming the problem (prefix: the flag, for commands with several plants)."""
    from pulseboot.plant import LIMB_PRESETS, PRESETS
    from pulseboot.plant.from_json import PresetError, load

    if value in PRESETS:
        return PRESETS[value], value
    if value.startswith(LIMB) and value[len(LIMB):] in LIMB_PRESETS:
        return LIMB_PRESETS[value[len(LIMB):]], value
    limbs = ", ".join(LIMB + name for name in sorted(LIMB_PRESETS))
    allowed = (f"allowed: {', '.join(sorted(PRESETS))}, {limbs} (the body with the whole limb model on), "
               "or a preset file PRESET.json (pulseboot fit writes one)")
    path = pathlib.Path(value)
    if not (value.lower().endswith(".json") or path.exists()):
        raise UsageError(f"{prefix}unknown plant {value!r}; {allowed}")
    if not path.is_file():
        why = "is a directory" if path.is_dir() else "no such file"
        raise UsageError(f"{prefix}plant file {value!r}: {why}; {allowed}")
    try:
        params, name = load(path)
    except PresetError as e:
        raise UsageError(f"{prefix}plant file {value!r}: {e}") from None
    return params, name or path.stem
