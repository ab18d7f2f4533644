"""`pulseboot flash`: build, copy onto a board with mpremote, reset."""
import sys

from pulseboot import build, flash, fw, installed
from pulseboot.cli.common import Parser, UsageError, choose


def cmd_flash(argv):
    p = Parser("pulseboot flash", "Build the firmware and copy it onto a board with mpremote, then reset it.")
    p.option("--port", "PORT", "a serial port, e.g. /dev/ttyUSB0 or COM3", "serial port of the board")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path (replaced by the build)",
             "build into DIR and keep it (default: a temporary directory, removed afterwards)")
    p.option("--dry-run", help="print the mpremote commands instead of running them")
    args = p.parse(argv)
    if not args.port:
        raise UsageError("--port is required: the board's serial port, e.g. /dev/ttyUSB0 or COM3")
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        flash.flash(args.port, board, dry_run=args.dry_run, out_dir=args.out)
    except (build.BuildError, installed.ToolMissing) as e:
        raise UsageError(str(e)) from None
    except flash.FlashError as e:
        print(f"pulseboot flash: {e}", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(f"flashed {board} on {args.port}; the board has reset and vented every chamber")
    return 0
