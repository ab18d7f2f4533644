"""`pulseboot fit TRACE.csv (--bottle-ml N | --base PRESET) --out PRESET.json`: the simulated plant
fitted to a recorded session (plant/fit.py), written as a preset file `pulseboot sim --plant`
runs."""
import json
import math
import pathlib

from pulseboot import fw
from pulseboot.cli.common import LIMB, Parser, UsageError, check_writable, choose, plant_preset, same_file

BOTTLE_ML = (50, 20000)  # a bottle per chamber: from a small vial to a 20 L canister
DEFAULT_BASE = "small-leg"  # on bottles: the pump and valves to start from (the bottle replaces the chamber)


def _parser():
    p = Parser("pulseboot fit", "Fit the simulated plant (pump, valves, leak; or the boot's chamber volumes) to "
               "a recorded session, and write a preset for `pulseboot sim --plant`.")
    p.add_argument("trace", metavar="TRACE.csv", nargs="?", help="a bench trace (or a sim trace)")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"the board the session was recorded on (default {fw.DEFAULT_BOARD})")
    p.option("--bottle-ml", "N", f"the volume of each chamber's bottle and its hose, mL ({BOTTLE_ML[0]} to "
             f"{BOTTLE_ML[1]})", "a session on bottles: fit the pump, valves and leak")
    p.option("--base", "PRESET", "a plant preset name or a preset file (the bottle fit's PRESET.json)",
             "what is not fitted comes from here; on the boot it gives the pump and valves "
             f"(default with --bottle-ml: {DEFAULT_BASE})")
    p.option("--out", "PRESET.json", "a file path ending in .json", "where to write the fitted preset")
    p.option("--keep", "NAME", "a fitted parameter's name", "take this parameter from --base instead of "
             "fitting it (repeatable)", action="append")
    p.option("--json", help="print the result as one JSON object")
    return p


def _bottle_l(text):
    try:
        ml = float(text)
    except ValueError:
        ml = math.nan
    if not BOTTLE_ML[0] <= ml <= BOTTLE_ML[1]:
        raise UsageError(f"--bottle-ml {text!r}: expected the volume of each bottle with its hose in mL, "
                         f"{BOTTLE_ML[0]} to {BOTTLE_ML[1]} (a 0.5 L bottle and 30 cm of 4 mm hose: 505)")
    return ml / 1000.0


def _board(args, chambers):
    import topology as fw_topology  # firmware/lib

    name = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    board = fw.load_board(name)
    if board["chambers"] != chambers:
        raise UsageError(f"the trace has {chambers} chambers but board {name} has {board['chambers']}; "
                         "expected --board of the board that recorded it")
    if fw_topology.single_sensor(board) or not fw_topology.chamber_vents(board):
        raise UsageError(f"board {name} ({board.get('topology')}) has no sensor and vent valve on every chamber; "
                         "the fit needs both (a chamber behind a shut inlet is out of a manifold sensor's sight)")
    return name


def cmd_fit(argv):
    from pulseboot.plant import fit

    args = _parser().parse(argv)
    if args.trace is None:
        raise UsageError("missing TRACE.csv: the recorded session to fit")
    src = pathlib.Path(args.trace)
    if not src.is_file():
        raise UsageError(f"{args.trace!r}: {'is a directory' if src.is_dir() else 'no such file'}; "
                         "expected a trace CSV file")
    if args.out is None:
        raise UsageError("--out PRESET.json is needed: where to write the fitted preset")
    if not args.out.lower().endswith(".json"):
        raise UsageError(f"--out {args.out!r}: expected a file path ending in .json")
    if same_file(src, args.out):
        raise UsageError(f"--out {args.out!r} is the trace itself; expected another path")
    bottle_l = None if args.bottle_ml is None else _bottle_l(args.bottle_ml)
    if bottle_l is None and args.base is None:
        raise UsageError("a trace fixes only volume-to-flow ratios, so one absolute figure is needed: --bottle-ml N "
                         "for a session on bottles, or --base PRESET for the boot (the bottle fit's PRESET.json)")
    if args.base and args.base.startswith(LIMB):
        from pulseboot.plant import PRESETS

        # The fit's model has no limb (creep, pulse, movement): it would fit the body alone.
        raise UsageError(f"--base {args.base!r}: the fit leaves the limb model out; allowed: a body preset "
                         f"({', '.join(sorted(PRESETS))}) or a preset file PRESET.json")
    base, base_label = plant_preset(args.base or DEFAULT_BASE, "--base: ")
    names = fit.BOTTLE if bottle_l is not None else fit.BOOT
    keep = args.keep or []
    for name in keep:
        if name not in names:
            raise UsageError(f"--keep {name!r}: expected a parameter this fit finds, one of {', '.join(names)}")
    from pulseboot.cli.progress import Steps
    from pulseboot.plant.fit_data import FitDataError
    from pulseboot.report.trace import TraceError, chambers_of, read_trace

    with Steps(None if not args.json else False) as steps:
        with steps.step(f"reading {src.name}"):
            try:
                cols = read_trace(src)
            except TraceError as e:
                raise UsageError(f"{args.trace}: {e}") from None
        board = _board(args, chambers_of(list(cols)))
        existed = pathlib.Path(args.out).exists()
        check_writable("--out", args.out)

        def on_iter(k):
            with steps.step(f"fitting {', '.join(n for n in names if n not in keep)}: iteration {k + 1}"):
                pass

        try:
            result = fit.fit(cols, base, bottle_l, keep, on_iter)
        except (fit.FitError, FitDataError) as e:
            if not existed:  # check_writable made it: leave nothing behind
                pathlib.Path(args.out).unlink(missing_ok=True)
            raise UsageError(f"{args.trace}: {e}") from None
    record = _record(result, src, board, bottle_l, base_label)
    _write(args.out, result, args.base or DEFAULT_BASE, record)
    if args.json:
        print(json.dumps(dict(record, out=args.out)))
    else:
        _report(args, result, base_label, board)
    return 0


def _record(result, src, board, bottle_l, base_label):
    """How the fit got there: the preset file's "fit" object, and --json's output."""
    return {"trace": src.name, "board": board, "session": result.mode, "bottle_l": bottle_l, "base": base_label,
            "rms_mmhg": round(result.rms_mmhg, 3),
            "fitted": {n: {"value": v, "se_pct": round(100 * se, 2)} for n, (v, se) in result.fitted.items()},
            "kept": result.kept, "notes": result.notes}


def _write(out, result, base_arg, record):
    from pulseboot.plant import PRESETS
    from pulseboot.plant.from_json import dump

    base = base_arg if base_arg in PRESETS else "small-leg"  # every field is written: base only names one
    pathlib.Path(out).write_text(dump(result.params, pathlib.Path(out).stem, base, record))


def _report(args, result, base_label, board):
    from pulseboot.plant import fit

    what = "bottles" if result.mode == "bottle" else "the boot"
    print(f"PulseBoot fit: {args.trace} on {board}, a session on {what}; what is not fitted: from {base_label}")
    print(f"  {'parameter':<18} {'fitted':>10}  {'':<12} {'+-':>6}  {'started at':>10}")
    for name, (value, se) in result.fitted.items():
        print(f"  {name:<18} {value:>10.4g}  {fit.units(name):<12} {100 * se:>5.1f}%  "
              f"{getattr(result.start, name):>10.4g}")
    for name in result.kept:
        print(f"  {name:<18} {getattr(result.params, name):>10.4g}  {fit.units(name):<12} {'kept':>6}")
    print(f"  the fitted plant follows the trace to {result.rms_mmhg:.2f} mmHg RMS (the sensor's noise is about 0.3)")
    for note in result.notes:
        print(f"  note: {note}")
    print(f"preset: {args.out} (run it: pulseboot sim --plant {args.out})")
