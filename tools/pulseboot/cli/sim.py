"""`pulseboot sim`: parse and check the options, run the simulation, report.

Every bad value is a one-line UsageError naming what is wrong and what is allowed, and
every check that can fail is made before the run and before any file is touched.
"""
import json
import math
import pathlib
import shutil
import sys
import time

from pulseboot import fw
from pulseboot.cli.common import Parser, UsageError, choose, plant_preset
from pulseboot.cli.common import check_writable as _check_writable
from pulseboot.cli.common import existing_ancestor as _existing_ancestor
from pulseboot.cli.common import same_file as _same_file
from pulseboot.report import fault_text, levels

MAX_DURATION_S = 24 * 3600
PLOT_FORMATS = ("png", "svg", "pdf")  # by the file's extension; matplotlib writes each
TRACE_NOTE_BYTES = 50 * 10**6  # a trace expected above this is announced on stderr first
MAX_TRACE_BYTES = 2 * 10**9  # and one expected above this is refused (as is one the disk cannot hold)
LIMITS = fw.limits


def _sim_parser(buttons, presets, default_preset):
    p = Parser("pulseboot sim", "Run the firmware against the simulated plant on virtual time.")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board profile (default {fw.DEFAULT_BOARD})")
    p.option("--program", "NAME", "a program name, one of " + ", ".join(fw.programs.NAMES),
             "therapy program (default gradient)")
    p.option("--program-file", "FILE.json", "a custom program file (README: Custom programs)",
             "add the file's programs, checked as the device checks /programs.json (it goes on the simulated "
             "flash); without --program the file's first one runs")
    p.option("--level", "N", "whole mmHg within the program's range (see `pulseboot programs`)",
             "pressure level in mmHg (default: the program's); one the board's sensors cannot watch "
             "runs lower, and the report says so")
    p.option("--duration", "SECONDS", f"seconds of simulated time, > 0 and <= {MAX_DURATION_S}",
             "simulated seconds (default 600)")
    p.option("--session-min", "N", _session_expect(),
             f"session length in minutes, after which the firmware stops the session and idles "
             f"(default {LIMITS.SESSION_DEFAULT_MIN})")
    p.option("--plant", "PRESET", "a plant preset, one of " + ", ".join(presets) + ", or a preset file PRESET.json",
             f"simulated plant: a preset, or a preset file (pulseboot fit writes one) (default {default_preset})")
    p.option("--seed", "N", "an integer", "random seed of the plant (default 0)")
    p.option("--press", "BUTTON@SECONDS[:long]", _press_expect(buttons),
             "press a button at a simulated time; repeatable; without any, START is pressed at 0",
             action="append")
    p.option("--trace", "FILE.csv", "a file path to write",
             f"write a CSV row per 25 ms tick (its size is announced above {_size(TRACE_NOTE_BYTES)}, "
             f"refused above {_size(MAX_TRACE_BYTES)})")
    p.option("--plot", "FILE.png", _plot_expect(),
             "write a plot of pressures, pump and valves (.png, .svg or .pdf)")
    p.option("--summary", help="print the run summary as one JSON object on the last line")
    from pulseboot.run import SHELLS, VMS  # loaded already: cmd_sim imports run first

    p.option("--vm", "{cpython,micropython}", "one of " + ", ".join(VMS),
             "where the firmware runs: here, or the MicroPython unix port over a pipe (default cpython)")
    p.option("--shell", "{device,core}", "one of " + ", ".join(SHELLS),
             "what runs: the unmodified main.py and drivers on fake pins, or the control core "
             "alone (default device)")
    p.option("--fault", "KIND[:CHAMBER]@SECONDS", _fault_expect(),
             "inject a physical fault at a simulated time (docs/SAFETY.md lists the kinds); CHAMBER counts "
             "from 1, the most distal (default 1); repeatable. The firmware is never told",
             action="append")
    p.option("--flash-dir", "DIR", "a new or empty directory, or one an earlier --flash-dir run made",
             "keep the simulated board's flash (settings, trips.log, crash.log) in DIR, as a board keeps it "
             "from run to run; `pulseboot log --dir DIR` reads it (device shell)")
    return p


def _flash_dir(text, shell):
    """The directory for --flash-dir, made if need be; a folder holding anything but a board's flash is refused."""
    if shell != "device":
        raise UsageError("--flash-dir needs --shell device: the control core alone has no flash")
    path = pathlib.Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--flash-dir {text!r} is not a directory; expected a new or empty directory")
    if path.is_dir() and any(path.iterdir()) and not (path / "board.txt").exists():
        raise UsageError(f"--flash-dir {text!r} holds other files; expected a new or empty directory, "
                         "or one an earlier --flash-dir run made (it has board.txt)")
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def _fault_expect():
    from pulseboot.run.scenario import FAULT_KINDS

    return "KIND[:CHAMBER]@SECONDS with KIND one of " + ", ".join(FAULT_KINDS)


# Faults of the pump or of the board itself: they take no chamber.
_WHOLE_BOARD_FAULTS = ("pump-weak", "dead-pump", "stuck-pump", "hang", "power-cycle")


def _fault(text, duration_s, chambers, board, run):
    """A PlantFault from KIND[:CHAMBER]@SECONDS (chamber counted from 1 on the command line)."""
    from pulseboot.run.scenario import FAULT_KINDS

    what, at, seconds = text.partition("@")
    kind, colon, chamber = what.partition(":")
    if not at or kind not in FAULT_KINDS:
        raise UsageError(f"--fault {text!r}: expected {_fault_expect()}")
    if colon and kind in _WHOLE_BOARD_FAULTS:
        raise UsageError(f"--fault {text!r}: {kind} is the pump's or the board's, no chamber's; "
                         f"expected {kind}@SECONDS")
    if colon and not (chamber.isdigit() and 1 <= int(chamber) <= chambers):
        raise UsageError(f"--fault {text!r}: chamber must be a whole number from 1 to {chambers} "
                         f"(board {board}; 1 is the most distal)")
    try:
        at_s = float(seconds)
    except ValueError:
        at_s = math.nan
    if not 0 <= at_s < duration_s:  # also false for nan
        raise UsageError(f"--fault {text!r}: time must be seconds >= 0 and < the duration ({duration_s:g} s)")
    return run.PlantFault(kind, round(at_s * 1000), int(chamber) - 1 if colon else 0)


def _check_fault_overlap(faults, texts):
    """The same fault twice, or a board fault while the board is still off from a power-cycle
    (it only comes back POWER_OFF_MS later): one line naming both."""
    from pulseboot.fakeboard.world import BOARD_FAULTS, POWER_OFF_MS

    seen = {}
    for f, text in zip(faults, texts):
        if f in seen:
            raise UsageError(f"--fault {text!r} is given twice ({seen[f]!r}); give each fault once")
        seen[f] = text
    cycles = [(f.at_ms, text) for f, text in zip(faults, texts) if f.kind == "power-cycle"]
    for f, text in zip(faults, texts):
        for at, cycle in cycles:
            if f.kind in BOARD_FAULTS and text != cycle and at <= f.at_ms < at + POWER_OFF_MS + 100:
                raise UsageError(f"--fault {text!r}: the board is still off from {cycle!r} (off for "
                                 f"{POWER_OFF_MS / 1000:g} s, then it boots); expected a board fault at least "
                                 f"{(POWER_OFF_MS + 100) / 1000:g} s after a power-cycle")


def _press_expect(buttons):
    return "BUTTON@SECONDS[:long] with BUTTON one of " + ", ".join(buttons)


def _session_expect():
    return f"whole minutes from {LIMITS.SESSION_MIN_MIN} to {LIMITS.SESSION_MAX_MIN}"


def _plot_expect():
    return "a file path ending in " + ", ".join("." + f for f in PLOT_FORMATS)


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


def _session_min(text):
    try:
        minutes = int(text)
    except ValueError:
        minutes = None
    if minutes is None or not LIMITS.SESSION_MIN_MIN <= minutes <= LIMITS.SESSION_MAX_MIN:
        raise UsageError(f"--session-min {text!r}: expected {_session_expect()}")
    return minutes


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


def _presses(texts, duration_s, run):
    """Press records in time order; a UsageError naming both when two presses of one button
    would reach the firmware as one (the second before the first is let go)."""
    from pulseboot.run import scenario

    presses = [_press(t, duration_s, run) for t in texts]
    clash = scenario.press_clash(presses)
    if clash:
        first, second = (texts[presses.index(p)] for p in clash)
        end_s = scenario.press_end_ms(clash[0]) / 1000
        free_s = end_s + scenario.RELEASE_MS / 1000
        raise UsageError(f"--press {second!r} overlaps --press {first!r}: {clash[0].button} is held until "
                         f"{end_s:g} s and must then be released {scenario.RELEASE_MS} ms for the firmware to "
                         f"see a new press (from {free_s:g} s)")
    return sorted(presses, key=lambda p: p.at_ms)


def _sim_kwargs(args, run, plant):
    """run.simulate's keyword arguments from the parsed strings; UsageError on a bad one."""
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    program = choose("program", args.program, fw.programs.NAMES,
                     fw.programs.NAMES[fw.programs.BUILT_IN] if args.program_file else "gradient")
    kw = {
        "board": board,
        "program": program,
        "level_mmhg": None if args.level is None else _level(args.level, program),
        "plant": plant.DEFAULT_PRESET if args.plant is None or args.plant not in plant.PRESETS else args.plant,
        "duration_s": 600.0 if args.duration is None else _duration(args.duration),
        "seed": 0 if args.seed is None else _seed(args.seed),
    }
    args.plant_label = kw["plant"]
    if args.plant is not None and args.plant not in plant.PRESETS:  # a preset file (pulseboot fit writes one)
        kw["params"], args.plant_label = plant_preset(args.plant)
    if args.session_min is not None:
        kw["session_min"] = _session_min(args.session_min)
    if args.press:
        kw["presses"] = _presses(args.press, kw["duration_s"], run)
    if args.vm is not None:
        kw["vm"] = choose("vm", args.vm, run.VMS, "cpython")
    kw["shell"] = choose("shell", args.shell, run.SHELLS, "device")
    if args.flash_dir is not None:
        kw["flash_dir"] = _flash_dir(args.flash_dir, kw["shell"])
    if args.fault:
        chambers = fw.load_board(board)["chambers"]
        kw["plant_faults"] = [_fault(t, kw["duration_s"], chambers, board, run) for t in args.fault]
        _check_fault_overlap(kw["plant_faults"], args.fault)
    return kw


def _plot_format(path):
    ext = pathlib.PurePath(path).suffix.lower().lstrip(".")
    if ext not in PLOT_FORMATS:
        raise UsageError(f"--plot {path!r}: expected {_plot_expect()} (the extension picks the format)")
    return ext


def _size(n):
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + " " + unit
    return f"{n} bytes"


def _check_trace_size(path, chambers, kw):
    """Refuse a trace above MAX_TRACE_BYTES or the free space; the line announcing a big one
    (None for one of TRACE_NOTE_BYTES or less)."""
    from pulseboot.report.trace import expected_bytes

    size, rows = expected_bytes(chambers, int(kw["duration_s"] * 1000), kw["program"])
    if size > MAX_TRACE_BYTES:
        most_s = int(kw["duration_s"] * MAX_TRACE_BYTES / size)
        raise UsageError(f"--trace {path!r}: about {_size(size)} for {rows:,} rows, above the "
                         f"{_size(MAX_TRACE_BYTES)} limit; expected --duration <= {most_s} with a trace")
    try:
        usage = shutil.disk_usage(_existing_ancestor(path))
    except OSError:
        usage = None
    free = usage.free if usage and usage.total else None  # a total of 0: no real disk (/proc), no figure
    if free is not None and size > free:
        raise UsageError(f"--trace {path!r}: about {_size(size)} for {rows:,} rows, but only {_size(free)} "
                         "free there; expected a shorter --duration or another disk")
    if size > TRACE_NOTE_BYTES:
        return f"pulseboot sim: the trace {path} will be about {_size(size)} ({rows:,} rows)"
    return None


def _check_outputs(args, chambers, kw):
    """Every check on --trace and --plot, before anything is written."""
    if args.plot:
        _plot_format(args.plot)
    if args.trace and args.plot and _same_file(args.trace, args.plot):
        raise UsageError(f"--trace {args.trace!r} and --plot {args.plot!r} are the same file; "
                         "expected two different paths")
    note = _check_trace_size(args.trace, chambers, kw) if args.trace else None
    for flag, path in (("--trace", args.trace), ("--plot", args.plot)):
        if path:
            _check_writable(flag, path)
    if note:
        print(note, file=sys.stderr)


def _fan_out(plain, annotated, annotate):
    """One on_tick for every consumer: `plain` ones take the row, `annotated` ones the row,
    the buttons held, the events of that tick and the (led, buzzer) pair (report.events.Annotator)."""
    if not annotated:
        if len(plain) < 2:
            return plain[0] if plain else None

    def on_tick(row):
        for consumer in plain:
            consumer(row)
        if annotated:
            buttons, items = annotate(row[0])
            for consumer in annotated:
                consumer(row, buttons, items, annotate.indicators)

    return on_tick


def _annotator(kw, board_def, run, label):
    """The buttons and events columns of this run (report/events.py)."""
    from pulseboot.report.events import Annotator, Event
    from pulseboot.run import scenario

    presses = kw.get("presses")
    spans = scenario.button_spans([run.Press("start", 0, False)] if presses is None else presses)
    first = [("board", kw["board"]), ("plant", label), ("seed", kw["seed"]),
             ("limit", min(board_def["hard_limit_dmmhg"], fw.limits.HARD_LIMIT_DMMHG) / 10)]
    timed = [Event(f.at_ms, "inject", f"{f.kind}:{f.chamber + 1}") for f in kw.get("plant_faults", ())]
    return Annotator(spans, first, timed)


def cmd_sim(argv):
    from pulseboot import plant  # the simulator loads only when a run is asked for
    from pulseboot import run

    args = _sim_parser(run.BUTTONS, sorted(plant.PRESETS), plant.DEFAULT_PRESET).parse(argv)
    if not args.program_file:
        return _sim(args, run, plant)
    from pulseboot import custom_programs

    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    try:
        text = custom_programs.read(args.program_file)
        custom = custom_programs.check(text, fw.load_board(board), "--program-file " + args.program_file)
    except custom_programs.ProgramFileError as e:
        raise UsageError(str(e)) from None
    with custom_programs.installed(custom):
        return _sim(args, run, plant, {custom_programs.FLASH_NAME: text})


def _sim(args, run, plant, flash_files=None):
    from pulseboot import installed
    from pulseboot.report.analysis import Recorder as Waves
    from pulseboot.run.vm_process import VMError

    kw = _sim_kwargs(args, run, plant)
    if flash_files:
        kw["flash_files"] = flash_files
    board_def = fw.load_board(kw["board"])
    try:  # before any file is touched
        run.check_program_fits(board_def, fw.programs.find(kw["program"]))
    except ValueError as e:
        raise UsageError(str(e)) from None
    chambers = board_def["chambers"]
    _check_outputs(args, chambers, kw)
    writer = recorder = None
    waves = Waves()  # the last full wave's peaks, for the report and the summary
    annotated = []
    if args.plot:
        from pulseboot.report.timeline import Recorder

        recorder = Recorder(chambers, kw["duration_s"], run.TICK_MS)
        annotated.append(recorder)
    if args.trace:
        from pulseboot.report.trace import TraceWriter

        writer = TraceWriter(args.trace, chambers)
        annotated.append(writer)
    annotate = _annotator(kw, board_def, run, args.plant_label) if annotated else None
    try:
        t0 = time.perf_counter()
        result = run.simulate(on_tick=_fan_out([waves], annotated, annotate),
                              on_event=annotate.note if annotate else None, **kw)
        wall_s = time.perf_counter() - t0
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0] if str(e) else "invalid simulation settings") from None
    except (installed.ToolMissing, VMError) as e:  # --vm micropython: no interpreter, or it died
        print(f"pulseboot sim: {e}", file=sys.stderr)
        return 1
    finally:
        if writer:
            writer.close()
    full = waves.complete_cycles()
    result["peaks_mmhg"] = [round(p, 1) for p in full[-1].peak] if full else None
    result["max_mmhg"] = round(waves.max_mmhg, 1)
    if recorder:
        from pulseboot.report.plot import plot

        plot(recorder, args.plot, result, f"plant {args.plant_label}, seed {kw['seed']}", _plot_format(args.plot))
    if args.summary:
        print(json.dumps(dict(result, wall_s=round(wall_s, 3))))
    else:
        _report(result, kw, wall_s, full, board_def, writer, args)
    return 0


def _when(t_ms):
    s = t_ms / 1000
    return f"{s:.1f} s" + (f" ({s / 60:.1f} min)" if s >= 60 else "")


SESSION_END_TEXT = {
    "time up": "time up, the session's {session_min} min of running were over",
    "long START": "stopped by a long START",
    "fault": "a fault latched",
    "reset": "the board reset",
}


def _report_session(result):
    minutes = result["session_min"]
    ends = result["session_ends"]
    print(f"  session length {minutes} min (--session-min)", end="")
    if not ends:
        still = result["state"] in ("RUNNING", "PAUSED")
        print(f"; {'still running' if still else 'no session ended'} at the end of the run")
        return
    print()
    for end in ends:
        why = SESSION_END_TEXT.get(end["reason"], end["reason"]).format(session_min=minutes)
        print(f"  session ended at {_when(end['t_ms'])}: {why}")
    if result["state"] == "IDLE" and ends[-1]["reason"] != "fault":
        print(f"  idle from then to the end of the run at {_when(result['sim_s'] * 1000)}")


def _report(result, kw, wall_s, full, board_def, writer, args):
    n = result["chambers"]
    print(f"PulseBoot sim: program {result['program']} on {result['board']} ({n} chambers), "
          f"plant {args.plant_label}, seed {kw['seed']}")
    how = ("firmware/main.py and its drivers on fake pins" if result.get("shell") == "device"
           else "the control core alone")
    print(f"  simulated {result['sim_s']:.1f} s in {wall_s:.2f} s of wall time: {how}, {kw.get('vm', 'cpython')}")
    lowered = levels.lowered(result["level_requested_mmhg"], result["level_mmhg"])
    if lowered:
        print(f"  {lowered} ({levels.why(levels.zeroed(board_def))})")
    else:
        print(f"  level {result['level_mmhg']:g} mmHg")
    _report_session(result)
    print(f"  hard limit {result['hard_limit_mmhg']:g} mmHg; cycles completed: {result['cycles']}")
    for f in result["injected"]:
        print(f"  injected {f['kind']} on chamber {f['chamber']} at {f['t_ms'] / 1000:.3f} s")
    print(f"  highest true pressure in any chamber: {result['max_mmhg']:.1f} mmHg")
    if not result["faults"]:
        print("  faults: none")
    for f in result["faults"]:
        code = f["code"]
        print(f"  FAULT {code} at {f['t_ms'] / 1000:.3f} s: {fault_text.meaning(code)}")
    if kw.get("flash_dir"):
        print(f"  the board's flash is kept in {kw['flash_dir']}: `pulseboot log --dir {kw['flash_dir']}` "
              "shows its trip log")
    last = full[-1].peak if full else None
    print("  chamber  target mmHg  peak of the last full wave")
    for i, target in enumerate(result["targets_mmhg"]):
        where = " (distal)" if i == 0 else " (proximal)" if i == n - 1 else ""
        peak = f"{last[i]:6.1f} ({round(last[i] - target, 1) or 0.0:+.1f})" if last else "     -"
        print(f"  {i + 1:7d}  {target:11.1f}  {peak}{where}")
    if not last:
        print("  (no full wave in this run: none reached the most proximal chamber and vented "
              "while the session ran)")
    if writer:
        print(f"trace: {args.trace} ({writer.rows} rows)")
    if args.plot:
        print(f"plot: {args.plot}")
