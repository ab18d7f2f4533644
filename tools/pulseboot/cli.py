"""The `pulseboot` command: sim, programs, boards, build, flash, bench.

Every usage error is one line on stderr naming what is wrong and what is allowed,
exit status 2. argparse only splits the command line (every value arrives as a
string); the checks, and their messages, are ours.
"""
import json
import sys

from pulseboot import fw
from pulseboot.cli_common import UsageError, _choose, _Parser
from pulseboot.cli_sim import TICK_MS, cmd_sim

COMMANDS = ("sim", "programs", "boards", "build", "flash", "bench")
KIND_TEXT = {
    fw.programs.GRADIENT: ("gradient", "chambers fill distal to proximal and hold, then all vent"),
    fw.programs.PULSE: ("pulse", "each zone fills and holds while the next fills; distal zones release"),
}

__all__ = ["TICK_MS", "main"]


# ---- programs, boards ------------------------------------------------------------


def _program_info(index, chambers):
    P = fw.programs
    rec = P.PROGRAMS[index]
    targets = [0] * chambers
    P.fill_targets(index, chambers, rec[P.LEVEL_DEFAULT], targets)
    kind, text = KIND_TEXT.get(rec[P.KIND], (str(rec[P.KIND]), ""))
    return {
        "name": P.NAMES[index],
        "kind": kind,
        "description": text,
        "chambers": chambers,
        "level_mmhg": rec[P.LEVEL_DEFAULT] / 10,
        "level_min_mmhg": rec[P.LEVEL_MIN] / 10,
        "level_max_mmhg": rec[P.LEVEL_MAX] / 10,
        "targets_mmhg": [t / 10 for t in targets],
        "inflate_ms": rec[P.INFLATE_MS],
        "hold_ms": rec[P.HOLD_MS],
        "release_ms": rec[P.RELEASE_MS],
        "rest_ms": rec[P.REST_MS],
    }


TIMINGS = ("inflate_ms", "hold_ms", "release_ms", "rest_ms")


def cmd_programs(argv):
    p = _Parser("pulseboot programs", "List the therapy programs with their targets and timings.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board whose chamber count sets the targets (default {fw.DEFAULT_BOARD})")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    board = _choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    chambers = fw.load_board(board)["chambers"]
    infos = [_program_info(i, chambers) for i in range(len(fw.programs.PROGRAMS))]
    if args.json:
        print(json.dumps({"board": board, "chambers": chambers, "programs": infos}))
        return 0
    print(f"Programs on {board} ({chambers} chambers); pressures in mmHg, chamber 1 = distal")
    for info in infos:
        targets = " ".join(f"{t:g}" for t in info["targets_mmhg"])
        inflate, hold, release, rest = (info[k] / 1000 for k in TIMINGS)
        low, high = info["level_min_mmhg"], info["level_max_mmhg"]
        print(f"{info['name']:<10} {info['kind']}: {info['description']}")
        print(f"           level {info['level_mmhg']:g} ({low:g}..{high:g}); targets {targets}")
        print(f"           inflate <= {inflate:g} s per chamber, hold {hold:g} s, "
              f"release {release:g} s, rest {rest:g} s")
    return 0


def cmd_boards(argv):
    p = _Parser("pulseboot boards", "List the supported board profiles.")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    boards = []
    for name in fw.board_names():
        b = fw.load_board(name)
        boards.append({"name": b["name"], "chip": b["chip"], "chambers": b["chambers"],
                       "topology": b["topology"], "hard_limit_mmhg": b["hard_limit_dmmhg"] / 10})
    if args.json:
        print(json.dumps({"default": fw.DEFAULT_BOARD, "boards": boards}))
        return 0
    print(f"{'board':<20} {'chip':<9} {'chambers':<9} {'topology':<11} hard limit")
    for b in boards:
        default = "  (default)" if b["name"] == fw.DEFAULT_BOARD else ""
        print(f"{b['name']:<20} {b['chip']:<9} {b['chambers']:<9d} {b['topology']:<11} "
              f"{b['hard_limit_mmhg']:g} mmHg{default}")
    return 0


# ---- build, bench -----------------------------------------------------------------


def cmd_build(argv):
    from pulseboot import build

    p = _Parser("pulseboot build", "Compile the firmware with mpy-cross into build/, as laid out on the device.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile to include (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path", "output directory (default build/)")
    args = p.parse(argv)
    board = _choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        out = build.build(board, args.out)
    except build.BuildError as e:
        raise UsageError(str(e)) from None
    files = sorted(q for q in out.rglob("*") if q.is_file())
    for f in files:
        print(f"  {f.relative_to(out)}  {f.stat().st_size} bytes")
    print(f"built {board}: {len(files)} files, {build.bundle_bytes(out)} bytes in {out}")
    return 0


def cmd_flash(argv):
    from pulseboot import build, flash, vm

    p = _Parser("pulseboot flash", "Build the firmware and copy it onto a board with mpremote, then reset it.")
    p.option("--port", "PORT", "a serial port, e.g. /dev/ttyUSB0 or COM3", "serial port of the board")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--out", "DIR", "a directory path (replaced by the build)",
             "build into DIR and keep it (default: a temporary directory, removed afterwards)")
    p.option("--dry-run", help="print the mpremote commands instead of running them")
    args = p.parse(argv)
    if not args.port:
        raise UsageError("--port is required: the board's serial port, e.g. /dev/ttyUSB0 or COM3")
    board = _choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        flash.flash(args.port, board, dry_run=args.dry_run, out_dir=args.out)
    except (build.BuildError, vm.ToolMissing) as e:
        raise UsageError(str(e)) from None
    except flash.FlashError as e:
        print(f"pulseboot flash: {e}", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(f"flashed {board} on {args.port}; the board has reset and vented every chamber")
    return 0


def cmd_bench(argv):
    from pulseboot import bench

    p = _Parser("pulseboot bench", "Measure the budgets: tick time and heap in MicroPython, "
                "allocation, bundle size, simulator speed.")
    p.option("--runs", "N", "a whole number from 1 to 50", "MicroPython tick-timing runs (default 5)")
    p.option("--json", help="print one JSON object")
    args = p.parse(argv)
    runs = 5
    if args.runs is not None:
        runs = int(args.runs) if args.runs.isdigit() else 0
        if not 1 <= runs <= 50:
            raise UsageError(f"--runs {args.runs!r}: expected a whole number from 1 to 50")
    figures = bench.measure(runs=runs)
    met = bench.verdicts(figures)
    figures["targets"] = bench.TARGETS
    figures["met"] = met
    if args.json:
        print(json.dumps(figures))
        return 0 if all(met.values()) else 1
    for key, target in bench.TARGETS.items():
        sense = ">=" if key == "sim_speedup_x" else "<="
        print(f"{key:<24} {figures[key]!s:>10}   target {sense} {target}   {'ok' if met[key] else 'MISSED'}")
    print(f"tick_us runs {figures['tick_us_runs']}, p90 {figures['tick_us_p90']}; "
          f"sim_speedup runs {figures['sim_speedup_runs']}; {figures['machine']}")
    print(f"30-minute 8-chamber session: {figures['sim_30min_8ch_wall_s']['core']} s wall on --shell core, "
          f"{figures['sim_30min_8ch_wall_s']['device']} s on --shell device "
          f"(x{figures['sim_speedup_device_x']}, runs {figures['sim_speedup_device_runs']})")
    return 0 if all(met.values()) else 1


HANDLERS = {"sim": cmd_sim, "programs": cmd_programs, "boards": cmd_boards, "build": cmd_build,
            "flash": cmd_flash, "bench": cmd_bench}

HELP = """usage: pulseboot COMMAND [options]

commands:
  sim        run the firmware against the simulated plant (pulseboot sim --help)
  programs   list therapy programs: targets and timings
  boards     list board profiles: chip, chambers, valve topology, hard limit
  build      compile the firmware with mpy-cross into build/ (pulseboot build --board NAME)
  flash      build, copy onto a board with mpremote and reset (pulseboot flash --port PORT)
  bench      measure tick time, allocation, heap, bundle size and simulator speed
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(HELP, end="")
        return 0
    command = argv[0] if argv else None
    prog = "pulseboot" if command not in HANDLERS else "pulseboot " + command
    try:
        if command is None:
            raise UsageError("missing command; allowed: " + ", ".join(COMMANDS))
        if command not in HANDLERS:
            raise UsageError(f"unknown command {command!r}; allowed: {', '.join(COMMANDS)}")
        return HANDLERS[command](argv[1:])
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
