"""`pulseboot bench`: measure the budgets and say which are met."""
import json

from pulseboot import bench
from pulseboot.cli.common import Parser, UsageError


def cmd_bench(argv):
    p = Parser("pulseboot bench", "Measure the budgets: tick time and heap in MicroPython, "
                "allocation, bundle size, simulator speed.")
    p.option("--runs", "N", "a whole number from 1 to 50", "MicroPython tick-timing runs (default 5)")
    p.option("--json", help="print one JSON object")
    p.option("--limb", help="instead: 2-hour sessions on the whole limb model, every plant x program x board x 5 "
             "seeds (long: a progress bar on a terminal): false trips and peak accuracy")
    args = p.parse(argv)
    if args.limb:
        return _limb(args.json)
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


def _limb(as_json):
    import sys

    cases = bench.limb_cases()
    if as_json or not sys.stderr.isatty():
        figures = bench.limb_sweep(cases)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("limb sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True) as progress:
            task = progress.add_task("runs", total=len(cases))
            figures = bench.limb_sweep(cases, progress=lambda _case, _result: progress.update(task, advance=1))
    met = {k: figures[k] is not None and figures[k] <= v for k, v in bench.LIMB_TARGETS.items()}
    if as_json:
        print(json.dumps(dict(figures, targets=bench.LIMB_TARGETS, met=met)))
    else:
        for key, target in bench.LIMB_TARGETS.items():
            print(f"{key:<24} {figures[key]!s:>10}   target <= {target}   {'ok' if met[key] else 'MISSED'}")
        f = figures
        print(f"{f['limb_runs']} runs, {f['limb_hours']} h: false-trip rate {f['limb_false_trip_rate']:.3f} "
              f"({f['limb_trips_per_hour']} a session hour); peak error p95 {f['limb_peak_error_p95_mmhg']} "
              f"mmHg over {f['limb_peaks_judged']} peaks")
        for line in figures["limb_trips"]:
            print("  " + line)
    return 0 if all(met.values()) else 1
