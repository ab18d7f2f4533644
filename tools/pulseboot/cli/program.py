"""`pulseboot program check FILE [--board NAME]`: a custom program file checked as the device
checks /programs.json at start-up (firmware/lib/program_file.py), then one simulated session
of each of its programs through the unmodified main.py, with a verdict and a plot each.
"""
import math
import pathlib

from pulseboot import custom_programs, fw
from pulseboot.cli.common import Parser, UsageError, check_writable, choose, plant_preset

CYCLES = 4  # simulated per program: the accuracy is judged from the third on
PEAK_TOLERANCE_MMHG = 1.5  # a peak from the third cycle on, sensor per chamber
PEAK_TOLERANCE_SINGLE_MMHG = 2.5  # the single-sensor build


def cmd_program(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: pulseboot program check FILE.json [--board NAME] [--plant PRESET] [--seed N] [--out DIR]\n\n"
              "Check a custom program file as the device checks /programs.json, then simulate a session "
              "of each of its programs.")
        return 0
    if argv[0] != "check":
        raise UsageError(f"unknown subcommand {argv[0]!r}; allowed: check")
    return _check(argv[1:])


def _check(argv):
    from pulseboot import plant

    p = Parser("pulseboot program check", "Check a custom program file against a board and simulate each program.")
    p.add_argument("file", metavar="FILE.json", nargs="?")
    p.option("--board", "NAME", "a board name, one of " + ", ".join(fw.board_names()),
             f"board the file must fit (default {fw.DEFAULT_BOARD})")
    p.option("--plant", "PRESET", "a plant preset, one of " + ", ".join(sorted(plant.PRESETS)) + ", or PRESET.json",
             f"simulated plant (default {plant.DEFAULT_PRESET})")
    p.option("--seed", "N", "an integer", "random seed of the plant (default 0)")
    p.option("--out", "DIR", "a directory to write the plots into", "where the plots go (default out)")
    args = p.parse(argv)
    if args.file is None:
        raise UsageError("missing FILE.json: the custom program file to check")
    board = choose("board", args.board, fw.board_names(), fw.DEFAULT_BOARD)
    board_def = fw.load_board(board)
    params, label = plant_preset(args.plant or plant.DEFAULT_PRESET, "--plant ")
    preset = args.plant if args.plant in plant.PRESETS else plant.DEFAULT_PRESET  # (a file: its params)
    try:
        seed = 0 if args.seed is None else int(args.seed)
    except ValueError:
        raise UsageError(f"--seed {args.seed!r}: expected an integer") from None
    out = pathlib.Path(args.out or "out")
    try:
        text = custom_programs.read(args.file)
        names, records = custom_programs.check(text, board_def, args.file)
    except custom_programs.ProgramFileError as e:
        raise UsageError(str(e)) from None
    plots = [out / f"program-{name}.png" for name in names]
    for path in plots:
        check_writable("--out", str(path))
    print(f"{args.file}: {len(names)} program{'s' * (len(names) != 1)} fit {board} "
          f"({board_def['chambers']} chambers), as the device checks /programs.json")
    failed = 0
    with custom_programs.installed((names, records)):
        for name, path in zip(names, plots):
            failed += not _session(name, board, board_def, text, preset, params, label, seed, path)
    return 1 if failed else 0


def _session(name, board, board_def, text, preset, params, label, seed, path):
    """Simulate CYCLES cycles of program `name`; print the verdict; True when it passed."""
    from pulseboot import run
    from pulseboot.cli.sim import _annotator, _fan_out
    from pulseboot.report.analysis import Recorder as Waves
    from pulseboot.report.plot import plot
    from pulseboot.report.timeline import Recorder

    P = fw.programs
    rec = P.PROGRAMS[P.find(name)]
    n = board_def["chambers"]
    fill_s = 8  # a generous fill per chamber on the presets
    cycle_s = (n * (fill_s + rec[P.HOLD_MS] / 1000) + rec[P.BOOST_HOLD_MS] / 1000 + rec[P.RELEASE_MS] / 1000
               + rec[P.REST_MS] / 1000 + 5)
    clear_s = rec[P.CLEAR_ZONES] * rec[P.CLEAR_PASSES] * (fill_s + rec[P.CLEAR_HOLD_MS] / 1000)
    duration_s = math.ceil(10 + clear_s + CYCLES * cycle_s)
    kw = {"board": board, "program": name, "plant": preset, "seed": seed, "duration_s": duration_s,
          "session_min": 90}
    timeline = Recorder(n, duration_s, run.TICK_MS)
    waves = Waves()
    annotate = _annotator(kw, board_def, run, label)
    result = run.simulate(on_tick=_fan_out([waves], [timeline], annotate), on_event=annotate.note, params=params,
                          flash_files={custom_programs.FLASH_NAME: text}, **kw)
    full = [c for c in waves.complete_cycles() if max(c.peak) > 10]
    targets = result["targets_mmhg"]
    single = board_def.get("sensor_at") == "manifold"
    tolerance = PEAK_TOLERANCE_SINGLE_MMHG if single else PEAK_TOLERANCE_MMHG
    worst = max((abs(c.peak[i] - targets[i]) for c in full[2:] for i in range(n)), default=None)
    problems = []
    if result["faults"]:
        problems.append("faults " + ", ".join(f"{f['code']} at {f['t_ms'] / 1000:.1f} s" for f in result["faults"]))
    if len(full) < 3:
        problems.append(f"{len(full)} full cycles in {duration_s} s, expected at least 3")
    elif worst > tolerance:
        problems.append(f"a peak {worst:.1f} mmHg off its target from the third cycle on (at most {tolerance:g})")
    plot(timeline, str(path), result, f"plant {label}, seed {seed}, custom program {name}")
    verdict = "ok" if not problems else "FAILED: " + "; ".join(problems)
    level = result["level_mmhg"]
    print(f"  {name}: {verdict}")
    print(f"    level {level:g} mmHg, targets {' '.join(f'{t:g}' for t in targets)} mmHg; "
          f"{len(full)} full cycles in {duration_s} s on plant {label}, seed {seed}"
          + (f"; worst peak from the third cycle {worst:.1f} mmHg off" if worst is not None else ""))
    print(f"    plot: {path}")
    return not problems
