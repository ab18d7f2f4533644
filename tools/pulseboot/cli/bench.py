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
    p.option("--draw", "N", "a whole number from 1 to 1000", "with --limb: instead of the presets' own figures, "
             "N (1-1000) one-hour runs on limbs drawn across the published ranges (creep tau, compliance, "
             "coupling, pulse), each board, program, preset and seed drawn too")
    p.option("--draw-seed", "S", "a whole number from 0 to 2147483647", "with --draw: which draws (0-2147483647, "
             "default 0); the same S draws the same runs")
    p.option("--programs", help="instead: every program on every board, both leg plants, 3 seeds: worst peak "
             "error from the third wave, first-wave overshoot, fill time against the pump-limited minimum")
    args = p.parse(argv)
    if args.limb and args.programs:
        raise UsageError("--limb and --programs are two different runs; give one of them")
    if args.runs is not None and (args.limb or args.programs):
        raise UsageError("--runs goes with the budgets (plain `pulseboot bench`), not --limb or --programs")
    for flag, given in (("--draw", args.draw), ("--draw-seed", args.draw_seed)):
        if given is not None and not args.limb:
            raise UsageError(f"{flag} goes with --limb")
    if args.draw_seed is not None and args.draw is None:
        raise UsageError("--draw-seed needs --draw N (how many runs to draw)")
    if args.limb and args.draw is not None:
        count = _whole("--draw", args.draw, 1, 1000)
        draw_seed = 0 if args.draw_seed is None else _whole("--draw-seed", args.draw_seed, 0, 2**31 - 1)
        seconds = bench.LIMB_DRAW_SECONDS
        return _limb(args.json, bench.drawn_cases(count, draw_seed), seconds,
                     {"runs": count, "draw_seed": draw_seed, "seconds": seconds})
    if args.limb:
        return _limb(args.json, bench.limb_cases(), bench.LIMB_SECONDS)
    if args.programs:
        return _programs(args.json)
    runs = 5 if args.runs is None else _whole("--runs", args.runs, 1, 50)
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


def _whole(flag, text, least, most):
    if not (text.isascii() and text.isdecimal() and least <= int(text) <= most):
        raise UsageError(f"{flag} {text!r}: expected a whole number from {least} to {most}")
    return int(text)


def _limb(as_json, cases, seconds, drawn=None):
    """drawn: the --draw runs' count, seed and length (None: the presets' own sweep)."""
    import sys

    if as_json or not sys.stderr.isatty():
        figures = bench.limb_sweep(cases, seconds=seconds)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("limb sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True) as progress:
            task = progress.add_task("runs", total=len(cases))
            figures = bench.limb_sweep(cases, seconds=seconds,
                                       progress=lambda _case, _result: progress.update(task, advance=1))
    met = {k: figures[k] is not None and figures[k] <= v for k, v in bench.LIMB_TARGETS.items()}
    if as_json:
        print(json.dumps(dict(figures, targets=bench.LIMB_TARGETS, met=met, drawn=drawn)))
    else:
        for key, target in bench.LIMB_TARGETS.items():
            print(f"{key:<24} {figures[key]!s:>10}   target <= {target}   {'ok' if met[key] else 'MISSED'}")
        f = figures
        if drawn:
            print(f"limbs drawn across the published ranges: --draw {drawn['runs']} --draw-seed {drawn['draw_seed']}, "
                  f"{drawn['seconds'] // 3600} h each")
        runs = f"{f['limb_runs']} run" + ("s" if f["limb_runs"] != 1 else "")
        print(f"{runs}, {f['limb_hours']} h: false-trip rate {f['limb_false_trip_rate']:.3f} "
              f"({f['limb_trips_per_hour']} a session hour); peak error p95 {f['limb_peak_error_p95_mmhg']} "
              f"mmHg over {f['limb_peaks_judged']} peaks held still "
              f"({100 * (f['limb_peak_error_within_mmhg'] or 0):.1f} % within "
              f"{bench.LIMB_TARGETS['limb_peak_error_mmhg']} mmHg)")
        if f["limb_moved_peaks"]:
            print(f"{f['limb_moved_peaks']} peaks the wearer moved under (not held to the target): worst "
                  f"{f['limb_moved_peak_error_mmhg']} mmHg, p95 {f['limb_moved_peak_error_p95_mmhg']} mmHg")
        else:
            print("no peak had the wearer move under it")
        for line in figures["limb_trips"]:
            print("  " + line)
        if f["limb_worst_peaks"]:
            print("runs with the worst peaks held still:")
            for line in f["limb_worst_peaks"]:
                print("  " + line)
    return 0 if all(met.values()) else 1


def _programs(as_json):
    import sys

    from pulseboot.report import program_accuracy as accuracy

    cases = accuracy.cases()
    if as_json or not sys.stderr.isatty():
        rows = [accuracy.measure(board, program) for board, program in cases]
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        rows = []
        with Progress(TextColumn("programs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      transient=True) as progress:
            task = progress.add_task("programs", total=len(cases))
            for board, program in cases:
                rows.append(accuracy.measure(board, program))
                progress.update(task, advance=1)
    ok = not any(r.misses() for r in rows)
    if as_json:
        print(json.dumps({"programs": [r.as_dict() for r in rows], "met": ok}))
        return 0 if ok else 1
    print(f"{'board':<28} {'program':<9} {'peak err':>8} {'1st over':>8} {'fill x':>7} {'worst':>6}  "
          f"(mmHg from the 3rd wave; fills against the pump-limited time; {', '.join(accuracy.PLANTS)}, "
          f"seeds {', '.join(map(str, accuracy.SEEDS))})")
    for r in rows:
        ratio = "-" if r.fill_ratio_median is None else f"{r.fill_ratio_median:.2f}"
        worst = "-" if r.fill_ratio_worst is None else f"{r.fill_ratio_worst:.2f}"
        verdict = "; ".join(r.misses()) or "ok"
        print(f"{r.board:<28} {r.program:<9} {r.peak_error_mmhg:>8.2f} {r.first_overshoot_mmhg:>8.2f} {ratio:>7} "
              f"{worst:>6}  {verdict}")
    print(f"targets: peak within {accuracy.PEAK_ERROR_MMHG} mmHg ({accuracy.PEAK_ERROR_SINGLE_SENSOR_MMHG} on the "
          f"single-sensor build), first wave at most {accuracy.FIRST_OVERSHOOT_MMHG} mmHg over, fills (median) at "
          f"most {accuracy.FILL_RATIO:.2f}x with a sensor per chamber")
    return 0 if ok else 1
