"""`pulseboot flash`: build, copy onto a board with mpremote, reset."""
import sys

from pulseboot import build, flash, fw
from pulseboot.cli.common import Parser, UsageError, choose


def cmd_flash(argv):
    p = Parser("pulseboot flash", "Build the firmware and copy it onto a board with mpremote, then reset it.")
    p.option("--port", "PORT", "a serial port, e.g. /dev/ttyUSB0 or COM3", "serial port of the board")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path: " + build.ALLOWED_OUT,
             "build into DIR and keep it, as `pulseboot build --out` does (default: a temporary directory, "
             "removed afterwards; with --dry-run, build/)")
    p.option("--dry-run", help="build, and print the mpremote commands instead of running them")
    p.option("--line-numbers", help="keep source line numbers in the .mpy files (as `pulseboot build --line-numbers`)")
    args = p.parse(argv)
    if not args.port:
        raise UsageError("--port is required: the board's serial port, e.g. /dev/ttyUSB0 or COM3"
                         + _found(flash.serial_ports()))
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    if args.out == "":
        raise UsageError("--out needs a value: a directory path: " + build.ALLOWED_OUT)
    if args.dry_run and (problem := flash.port_problem(args.port)):
        print(f"pulseboot flash: note: {problem}", file=sys.stderr)
    try:
        flash.flash(args.port, board, dry_run=args.dry_run, out_dir=args.out, line_numbers=args.line_numbers)
    except (build.BuildError, flash.PortMissing) as e:
        raise UsageError(str(e)) from None
    except flash.FlashError as e:
        print(f"pulseboot flash: {e}", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(f"flashed {board} on {args.port}; the board has reset and vented every chamber")
    return 0


def _found(ports):
    return "; serial ports found: " + (", ".join(ports) or "none found")
