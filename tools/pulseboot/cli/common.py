"""What every `pulseboot` subcommand shares: one-line usage errors and their parser."""
import argparse


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
