"""`pulseboot plot TRACE.csv [--out FILE]`: draw a saved trace (from `pulseboot sim --trace` or a
bench session) as `pulseboot sim --plot` draws a run: the same code (report/plot.py)."""
import pathlib

from pulseboot.cli.common import Parser, UsageError, check_writable, same_file

FORMATS = ("png", "svg", "pdf")  # by the file's extension, as `pulseboot sim --plot`


def _expect():
    return "a file path ending in " + ", ".join("." + f for f in FORMATS)


def _parser():
    p = Parser("pulseboot plot", "Draw a saved trace: pressures, pump, valves, states, presses, faults, "
               "session ends, and a zoom on the last full wave.")
    p.add_argument("trace", metavar="TRACE.csv", nargs="?", help="a trace written by `pulseboot sim --trace` "
                   "or recorded on the bench")
    p.option("--out", "FILE", _expect(), "where to write the plot; the extension picks the format "
             "(default: the trace's name with .png)")
    return p


def _format(flag, path):
    ext = pathlib.PurePath(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise UsageError(f"{flag} {str(path)!r}: expected {_expect()} (the extension picks the format)")
    return ext


def cmd_plot(argv):
    args = _parser().parse(argv)
    if args.trace is None:
        raise UsageError("missing TRACE.csv: the trace to draw (pulseboot sim --trace FILE.csv writes one)")
    src = pathlib.Path(args.trace)
    if not src.is_file():
        why = "is a directory" if src.is_dir() else "no such file"
        raise UsageError(f"{args.trace!r}: {why}; expected a trace CSV file")
    out = args.out or str(src.with_suffix(".png"))
    fmt = _format("--out", out)
    if same_file(src, out):
        if args.out is None:
            raise UsageError(f"{args.trace!r}: the plot would replace the trace itself (the default is the trace's "
                             "name with .png); expected a trace .csv, or --out FILE")
        raise UsageError(f"--out {out!r} is the trace itself; expected another path")
    from pulseboot.cli.progress import Steps
    from pulseboot.report.trace import TraceError, read_trace

    with Steps() as steps:
        with steps.step(f"reading {src.name}"):
            try:
                cols = read_trace(src)
            except TraceError as e:
                raise UsageError(f"{args.trace}: {e}") from None
        check_writable("--out", out)
        with steps.step(f"drawing {pathlib.Path(out).name}"):
            from pulseboot.report.plot import plot_trace  # matplotlib loads only for a real job

            rec, summary = plot_trace(src, out, fmt, cols)
    kind = "true" if rec.true else "believed (no true pressures in the trace)"
    print(f"plot: {out} ({len(cols['t_ms'])} rows, {rec.chambers} chambers, {kind} pressures, "
          f"{summary['waves']} full waves)")
    return 0
