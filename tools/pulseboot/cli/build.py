"""`pulseboot build`: compile the firmware for a board with mpy-cross."""
from pulseboot import build, fw
from pulseboot.cli.common import Parser, UsageError, choose


def cmd_build(argv):
    p = Parser("pulseboot build", "Compile the firmware with mpy-cross into build/, as laid out on the device.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile to include (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path: " + build.ALLOWED_OUT,
             "output directory (default build/): new, empty or a previous build, whose files alone are replaced")
    p.option("--line-numbers", help="keep source line numbers in the .mpy files, so a traceback on the board names "
                                    "the line (about 1.3 KB more RAM; by default they are left out)")
    args = p.parse(argv)
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    if args.out == "":
        raise UsageError("--out needs a value: a directory path: " + build.ALLOWED_OUT)
    try:
        out = build.build(board, args.out, line_numbers=args.line_numbers)
    except build.BuildError as e:
        raise UsageError(str(e)) from None
    files = build.built_files(out) or []
    for f in files:
        print(f"  {f}  {(out / f).stat().st_size} bytes")
    print(f"built {board}: {len(files)} files, {build.bundle_bytes(out)} bytes in {out}")
    others = sorted(q.relative_to(out).as_posix() for q in out.rglob("*")
                    if q.is_file() and q.name != build.STAMP and q.relative_to(out).as_posix() not in files)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        print(f"also in {out}, not made by the build and left alone: {shown}")
    return 0
