"""`pulseboot sim`: parse and check the options, run the simulation, report.

Every bad value is a one-line UsageError naming what is wrong and what is allowed.
"""
import json
import math
import pathlib
import sys
import time

from pulseboot import fw
from pulseboot.cli.common import Parser, UsageError, choose
from pulseboot.report import fault_text

MAX_DURATION_S = 24 * 3600


def _sim_parser(buttons, presets, default_preset):
    p = Parser("pulseboot sim", "Run the firmware against the simulated plant on virtual time.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--program", "NAME", "a program name, one of " + ", ".join(fw.programs.NAMES),
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
    from pulseboot.run import SHELLS, VMS  # loaded already: cmd_sim imports run first

    p.option("--vm", "{cpython,micropython}", "one of " + ", ".join(VMS),
             "where the firmware runs: here, or the MicroPython unix port over a pipe (default cpython)")
    p.option("--shell", "{device,core}", "one of " + ", ".join(SHELLS),
             "what runs: the unmodified main.py and drivers on fake pins, or the control core "
             "alone (default device)")
    # Later options (--fault KIND[@SECONDS][:CHAMBER]) slot in here and in _sim_kwargs.
    return p


def _press_expect(buttons):
    return "BUTTON@SECONDS[:long] with BUTTON one of " + ", ".join(buttons)


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


def _press(text, duration_s, run):
    button, at, rest = text.partition("@")
    seconds, colon, flag = rest.partition(":")
    try:
        at_s = float(seconds)
    except ValueError:
        at_s = math.nan
    if not at or button not in run.BUTTONS or (colon and flag != "long") or math.isnan(at_s):
        raise UsageError(f"--press {text!r}: expected {_press_expect(run.BUTTONS)}")
    if not 0 <= at_s < duration_s:
        raise UsageError(f"--press {text!r}: time must be >= 0 and < the duration ({duration_s:g} s)")
    return run.Press(button, round(at_s * 1000), bool(colon))


def _sim_kwargs(args, run, plant):
    """run.simulate's keyword arguments from the parsed strings; UsageError on a bad one."""
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    program = choose("program", args.program, fw.programs.NAMES, "gradient")
    kw = {
        "board": board,
        "program": program,
        "level_mmhg": None if args.level is None else _level(args.level, program),
        "plant": choose("plant", args.plant, sorted(plant.PRESETS), plant.DEFAULT_PRESET),
        "duration_s": 600.0 if args.duration is None else _duration(args.duration),
        "seed": 0 if args.seed is None else _seed(args.seed),
    }
    if args.press:
        presses = [_press(t, kw["duration_s"], run) for t in args.press]
        kw["presses"] = sorted(presses, key=lambda p: p.at_ms)
    if args.vm is not None:
        kw["vm"] = choose("vm", args.vm, run.VMS, "cpython")
    kw["shell"] = choose("shell", args.shell, run.SHELLS, "device")
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
    from pulseboot import installed, plant  # the simulator loads only when a run is asked for
    from pulseboot import run
    from pulseboot.run.vm_process import VMError

    args = _sim_parser(run.BUTTONS, sorted(plant.PRESETS), plant.DEFAULT_PRESET).parse(argv)
    kw = _sim_kwargs(args, run, plant)
    chambers = fw.load_board(kw["board"])["chambers"]
    for flag, path in (("--trace", args.trace), ("--plot", args.plot)):
        if path:
            _check_writable(flag, path)
    consumers = []
    writer = recorder = peaks = None
    if args.plot:
        from pulseboot.report.plot import Recorder

        recorder = Recorder(chambers, kw["duration_s"], run.TICK_MS)
        consumers.append(recorder)
    if not args.summary:
        from pulseboot.report.analysis import Recorder as Cycles

        peaks = Cycles()
        consumers.append(peaks)
    if args.trace:
        from pulseboot.report.trace import TraceWriter

        writer = TraceWriter(args.trace, chambers)
        consumers.append(writer)
    try:
        t0 = time.perf_counter()
        result = run.simulate(on_tick=_fan_out(consumers), **kw)
        wall_s = time.perf_counter() - t0
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0] if str(e) else "invalid simulation settings") from None
    except (installed.ToolMissing, VMError) as e:  # --vm micropython: no interpreter, or it died
        print(f"pulseboot sim: {e}", file=sys.stderr)
        return 1
    finally:
        if writer:
            writer.close()
    if recorder:
        from pulseboot.report.plot import plot

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
        print(f"  FAULT {code} at {f['t_ms'] / 1000:.3f} s: {fault_text.meaning(code)}")
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
