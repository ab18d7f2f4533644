"""The `pulseboot` command: sim, programs, boards.

Every usage error is one line on stderr naming what is wrong and what is allowed,
exit status 2. argparse only splits the command line (every value arrives as a
string); the checks, and their messages, are ours.
"""
import argparse
import json
import math
import pathlib
import sys
import time

from pulseboot import fw

TICK_MS = 25  # the firmware's control period, one trace row each
MAX_DURATION_S = 24 * 3600
COMMANDS = ("sim", "programs", "boards", "build", "flash", "bench")
KIND_TEXT = {
    fw.programs.GRADIENT: ("gradient", "chambers fill distal to proximal and hold, then all vent"),
    fw.programs.PULSE: ("pulse", "each zone fills and holds while the next fills; distal zones release"),
}


class UsageError(Exception):
    """A bad command line; str() is the one line shown after the command's name."""


class _Parser(argparse.ArgumentParser):
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


# ---- sim -------------------------------------------------------------------------


def _sim_parser(buttons, presets, default_preset):
    p = _Parser("pulseboot sim", "Run the firmware against the simulated plant on virtual time.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--program", "NAME", "a program name, one of " + ", ".join(fw.programs.names()),
             "therapy program (default gradient)")
    p.option("--level", "N", "whole mmHg within the program's range (see `pulseboot programs`)",
             "pressure level in mmHg (default: the program's)")
    p.option("--duration", "SECONDS", f"seconds of simulated time, > 0 and <= {MAX_DURATION_S}",
             "simulated seconds (default 600)")
    p.option("--plant", "PRESET", "a plant preset, one of " + ", ".join(presets),
             f"simulated plant preset (default {default_preset})")
    p.option("--seed", "N", "an integer", "random seed of the plant (default 0)")
    p.option("--press", "BUTTON@SECONDS[:long]", _press_expect(buttons),
             "press a button at a simulated time; repeatable; without any, START is pressed at 0",
             action="append")
    p.option("--trace", "FILE.csv", "a file path to write", "write a CSV row per 25 ms tick")
    p.option("--plot", "FILE.png", "a file path to write", "write a PNG of pressures, pump and valves")
    p.option("--summary", help="print the run summary as one JSON object on the last line")
    from pulseboot.sim import SHELLS, VMS  # loaded already: cmd_sim imports sim first

    p.option("--vm", "{cpython,micropython}", "one of " + ", ".join(VMS),
             "where the firmware runs: here, or the MicroPython unix port over a pipe (default cpython)")
    p.option("--shell", "{device,core}", "one of " + ", ".join(SHELLS),
             "what runs: the unmodified main.py and drivers on fake pins, or the control core "
             "alone (default device)")
    # Later options (--fault KIND[@SECONDS][:CHAMBER]) slot in here and in _sim_kwargs.
    return p


def _press_expect(buttons):
    return "BUTTON@SECONDS[:long] with BUTTON one of " + ", ".join(buttons)


def _choose(what, value, allowed, default):
    if value is None:
        return default
    if value not in allowed:
        raise UsageError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return value


def _level(text, program):
    rec = fw.programs.PROGRAMS[fw.programs.find(program)]
    lo = math.ceil(rec[fw.programs.LEVEL_MIN] / 10)
    hi = rec[fw.programs.LEVEL_MAX] // 10
    try:
        level = int(text)
    except ValueError:
        level = None
    if level is None or not lo <= level <= hi:
        raise UsageError(f"--level {text!r}: expected whole mmHg from {lo} to {hi} for program {program}")
    return level


def _duration(text):
    try:
        s = float(text)
    except ValueError:
        s = math.nan
    if not 0 < s <= MAX_DURATION_S:  # also false for nan
        raise UsageError(f"--duration {text!r}: expected seconds, "
                         f"a number > 0 and <= {MAX_DURATION_S} (24 h)")
    return s


def _seed(text):
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--seed {text!r}: expected an integer") from None


def _press(text, duration_s, sim):
    button, at, rest = text.partition("@")
    seconds, colon, flag = rest.partition(":")
    try:
        at_s = float(seconds)
    except ValueError:
        at_s = math.nan
    if not at or button not in sim.BUTTONS or (colon and flag != "long") or math.isnan(at_s):
        raise UsageError(f"--press {text!r}: expected {_press_expect(sim.BUTTONS)}")
    if not 0 <= at_s < duration_s:
        raise UsageError(f"--press {text!r}: time must be >= 0 and < the duration ({duration_s:g} s)")
    return sim.Press(button, round(at_s * 1000), bool(colon))


def _sim_kwargs(args, sim, plant):
    """sim.run's keyword arguments from the parsed strings; UsageError on a bad one."""
    board = _choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    program = _choose("program", args.program, fw.programs.names(), "gradient")
    kw = {
        "board": board,
        "program": program,
        "level_mmhg": None if args.level is None else _level(args.level, program),
        "plant": _choose("plant", args.plant, sorted(plant.PRESETS), plant.DEFAULT_PRESET),
        "duration_s": 600.0 if args.duration is None else _duration(args.duration),
        "seed": 0 if args.seed is None else _seed(args.seed),
    }
    if args.press:
        presses = [_press(t, kw["duration_s"], sim) for t in args.press]
        kw["presses"] = sorted(presses, key=lambda p: p.at_ms)
    if args.vm is not None:
        kw["vm"] = _choose("vm", args.vm, sim.VMS, "cpython")
    kw["shell"] = _choose("shell", args.shell, sim.SHELLS, "device")
    return kw


def _check_writable(flag, path):
    """Fail before a long run, not after it; creates missing parent folders."""
    try:
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as e:
        raise UsageError(f"{flag} {path!r}: cannot write there ({e.strerror or e}); "
                         "expected a writable file path") from None


def _fan_out(consumers):
    if len(consumers) < 2:
        return consumers[0] if consumers else None

    def on_tick(row):
        for consumer in consumers:
            consumer(row)

    return on_tick


def cmd_sim(argv):
    from pulseboot import plant, sim, vm, vmlink  # the simulator loads only when a run is asked for

    args = _sim_parser(sim.BUTTONS, sorted(plant.PRESETS), plant.DEFAULT_PRESET).parse(argv)
    kw = _sim_kwargs(args, sim, plant)
    chambers = fw.load_board(kw["board"])["chambers"]
    for flag, path in (("--trace", args.trace), ("--plot", args.plot)):
        if path:
            _check_writable(flag, path)
    consumers = []
    writer = recorder = peaks = None
    if args.plot:
        from pulseboot.plot import Recorder

        recorder = Recorder(chambers, kw["duration_s"], TICK_MS)
        consumers.append(recorder)
    if not args.summary:
        from pulseboot.analysis import Recorder as Cycles

        peaks = Cycles()
        consumers.append(peaks)
    if args.trace:
        from pulseboot.trace import TraceWriter

        writer = TraceWriter(args.trace, chambers)
        consumers.append(writer)
    try:
        t0 = time.perf_counter()
        result = sim.run(on_tick=_fan_out(consumers), **kw)
        wall_s = time.perf_counter() - t0
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0] if str(e) else "invalid simulation settings") from None
    except (vm.ToolMissing, vmlink.VMError) as e:  # --vm micropython: no interpreter, or it died
        print(f"pulseboot sim: {e}", file=sys.stderr)
        return 1
    finally:
        if writer:
            writer.close()
    if recorder:
        from pulseboot.plot import plot

        plot(recorder, args.plot, result, f"plant {kw['plant']}, seed {kw['seed']}")
    if args.summary:
        print(json.dumps(dict(result, wall_s=round(wall_s, 3))))
    else:
        _report(result, kw, wall_s, peaks, writer, args)
    return 0


def _report(result, kw, wall_s, peaks, writer, args):
    n = result["chambers"]
    print(f"PulseBoot sim: program {result['program']} on {result['board']} ({n} chambers), "
          f"plant {kw['plant']}, seed {kw['seed']}")
    how = ("firmware/main.py and its drivers on fake pins" if result.get("shell") == "device"
           else "the control core alone")
    print(f"  simulated {result['sim_s']:.1f} s in {wall_s:.2f} s of wall time: {how}, {kw.get('vm', 'cpython')}")
    print(f"  hard limit {result['hard_limit_mmhg']:g} mmHg; cycles completed: {result['cycles']}")
    if not result["faults"]:
        print("  faults: none")
    for f in result["faults"]:
        code = f["code"]
        meaning = fw.faults.MEANINGS[fw.faults.NAMES.index(code)] if code in fw.faults.NAMES else ""
        print(f"  FAULT {code} at {f['t_ms'] / 1000:.3f} s: {meaning}")
    full = peaks.complete_cycles() if peaks else []
    last = full[-1].peak if full else None
    print("  chamber  target mmHg  peak of the last full wave")
    for i, target in enumerate(result["targets_mmhg"]):
        where = " (distal)" if i == 0 else " (proximal)" if i == n - 1 else ""
        peak = f"{last[i]:6.1f} ({round(last[i] - target, 1) or 0.0:+.1f})" if last else "     -"
        print(f"  {i + 1:7d}  {target:11.1f}  {peak}{where}")
    if not last:
        print("  (no wave reached the most proximal chamber and vented in this run)")
    if writer:
        print(f"trace: {args.trace} ({writer.rows} rows)")
    if args.plot:
        print(f"plot: {args.plot}")


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
    p.option("--dry-run", help="print the mpremote commands instead of running them")
    args = p.parse(argv)
    if not args.port:
        raise UsageError("--port is required: the board's serial port, e.g. /dev/ttyUSB0 or COM3")
    board = _choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        flash.flash(args.port, board, dry_run=args.dry_run)
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
