"""`pulseboot build`: compile the firmware for a board with mpy-cross."""
from pulseboot import build, fw
from pulseboot.cli.common import Parser, UsageError, choose


def cmd_build(argv):
    p = Parser("pulseboot build", "Compile the firmware with mpy-cross into build/, as laid out on the device.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile to include (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path", "output directory (default build/)")
    args = p.parse(argv)
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        out = build.build(board, args.out)
    except build.BuildError as e:
        raise UsageError(str(e)) from None
    files = sorted(q for q in out.rglob("*") if q.is_file())
    for f in files:
        print(f"  {f.relative_to(out)}  {f.stat().st_size} bytes")
    print(f"built {board}: {len(files)} files, {build.bundle_bytes(out)} bytes in {out}")
    return 0
