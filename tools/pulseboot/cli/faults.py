"""`pulseboot faults`: the fault matrix, every row checked against the fault table."""
import json
import sys
import time

from pulseboot.cli.common import Parser
from pulseboot.safety import matrix, table


def cmd_faults(argv):
    p = Parser("pulseboot faults", "Inject every fault at every phase on every board and program, and check "
               "each run against the fault table (docs/SAFETY.md). Exit 1 if any row misses its bounds.")
    p.option("--quick", help="one plant, one program per board, filling and holding only (under a minute)")
    p.option("--limb", help="on the leg presets with the whole limb model on (creep, coupling, pulse, "
             "movements): plants limb:small-leg and limb:large-leg")
    p.option("--json", help="print one JSON object (rows and counts) instead of the table")
    args = p.parse(argv)
    table.check()
    cases = matrix.cases(args.quick, args.limb)
    t0 = time.perf_counter()
    rows = _run(cases, show=sys.stderr.isatty() and not args.json)
    wall = time.perf_counter() - t0
    missed = [r for r in rows if not r.ok]
    if args.json:
        print(json.dumps({"rows": [r._asdict() for r in rows], "runs": len(rows), "missed": len(missed),
                          "quick": bool(args.quick), "limb": bool(args.limb), "wall_s": round(wall, 1)}))
    else:
        _report(rows, missed, wall)
    return 1 if missed else 0


def _run(cases, show):
    if not show:
        return matrix.run_matrix(cases=cases)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("fault matrix"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[missed]}"),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("rows", total=len(cases), missed="")
        missed = [0]

        def advance(row):
            missed[0] += not row.ok
            progress.update(task, advance=1, missed=f"{missed[0]} missed" if missed[0] else "")

        return matrix.run_matrix(cases=cases, progress=advance)


def _report(rows, missed, wall):
    print(f"{'fault':<19} {'board':<27} {'program':<9} {'plant':<9} {'phase':<8} ch  at s   "
          f"{'code':<13} {'latency':>8} {'max mmHg':>9} {'vented':>7}  verdict")
    for r in rows:
        latency = "-" if r.latency_ms is None else f"{r.latency_ms / 1000:.2f} s"
        vented = "-" if r.vented_ms is None else f"{r.vented_ms / 1000:.1f} s"
        print(f"{r.kind:<19} {r.board:<27} {r.program:<9} {r.plant:<9} {r.phase:<8} {r.chamber:<3} "
              f"{r.at_ms / 1000:<6.1f}{r.code or '-':<13} {latency:>8} {r.max_mmhg:>9.1f} {vented:>7}  "
              f"{'ok' if r.ok else 'MISSED: ' + r.why}{'  (' + r.note + ')' if r.note else ''}")
    print(f"{len(rows)} runs in {wall:.0f} s: {len(rows) - len(missed)} within their bounds, {len(missed)} missed")
