"""`pulseboot monitor`: watch a real board live over its USB serial port, from the telemetry
lines the firmware writes (firmware/lib/telemetry.py), and keep the session as a trace in the
simulator's format (true-pressure columns empty), and a plot of it.

On a terminal the twin's live view shows the board; piped, or with --duration, it reads
quietly and prints what it kept. Nothing is ever sent to the board.
"""
import math
import pathlib
import sys
import time

from pulseboot.cli.common import Parser, UsageError

BAUD = 115200  # the ESP32 boards' USB-serial bridge (a native USB port ignores it)


def _parser():
    p = Parser("pulseboot monitor", "Watch a board live over its serial port (the firmware's telemetry lines) "
               "and record the session as a trace in the simulator's format.")
    p.option("--port", "PORT", "a serial port, e.g. /dev/ttyUSB0 or COM3", "the board's serial port")
    p.option("--trace", "FILE.csv", "a file path to write", "write every telemetry line as a trace row")
    p.option("--plot", "FILE.png", "a .png, .svg or .pdf path to write", "plot the recorded session at the end")
    p.option("--duration", "SECONDS", "seconds, a number > 0", "stop after this long (default: until q or Ctrl-C)")
    p.option("--baud", "N", "a whole number of bits per second", f"serial speed (default {BAUD})")
    return p


def _positive(flag, text, kind=float):
    try:
        x = kind(text)
    except ValueError:
        x = math.nan
    if not x > 0:
        raise UsageError(f"{flag} {text!r}: expected a number > 0" if kind is float
                         else f"{flag} {text!r}: expected a whole number > 0")
    return x


def cmd_monitor(argv):
    from pulseboot import flash

    args = _parser().parse(argv)
    if not args.port:
        raise UsageError("--port is required: the board's serial port, e.g. /dev/ttyUSB0 or COM3")
    duration = None if args.duration is None else _positive("--duration", args.duration)
    baud = BAUD if args.baud is None else _positive("--baud", args.baud, int)
    if args.plot:
        from pulseboot.cli.plot import _format

        _format("--plot", args.plot)
    problem = flash.port_problem(args.port)
    if problem:
        print(f"pulseboot monitor: {problem}", file=sys.stderr)
        return 1
    import serial

    try:
        port = serial.serial_for_url(args.port, baudrate=baud, timeout=0.05)
    except (serial.SerialException, OSError, ValueError) as e:
        print(f"pulseboot monitor: cannot open {args.port}: {e}", file=sys.stderr)
        return 1
    try:
        return _watch(port, args, duration)
    finally:
        port.close()


def _watch(port, args, duration):
    from pulseboot.run.bench_link import Bench

    rows = []
    writer = None
    bench = Bench(port, on_row=rows.append)
    if args.trace:
        from pulseboot.report.trace import TraceWriter

        def keep(row):  # the trace's columns need the chamber count: it comes with the first line
            nonlocal writer
            rows.append(row)
            if writer is None:
                writer = TraceWriter(args.trace, len(row[6]))
            writer(row)

        bench.on_row = keep
    bench.start()
    try:
        if sys.stdout.isatty() and sys.stdin.isatty():
            _live(bench, args, duration)
        else:
            _quiet(bench, duration)
    except KeyboardInterrupt:
        pass
    finally:
        bench.stop()
        if writer is not None:
            writer.close()
    return _report(bench, rows, args)


def _quiet(bench, duration):
    start = time.monotonic()
    while bench.alive and (duration is None or time.monotonic() - start < duration):
        time.sleep(0.05)


def _live(bench, args, duration):
    from pulseboot.twin.monitor_app import MonitorApp

    start = time.monotonic()
    while bench.reader.chambers is None and bench.alive:  # the view needs the chamber count
        if duration is not None and time.monotonic() - start >= duration:
            return
        time.sleep(0.05)
    if bench.reader.chambers is None:
        return
    MonitorApp(bench, bench.reader.chambers, f"PulseBoot monitor: {args.port}", duration).run()


def _report(bench, rows, args):
    r = bench.reader
    print(f"monitor {args.port}: {r.lines} telemetry lines, {r.skipped} skipped (damaged or cut short), "
          f"{len(r.console)} console lines kept")
    for line in r.console:
        print(f"  console: {line}")
    if bench.error is not None:
        print(f"pulseboot monitor: the port stopped: {bench.error}", file=sys.stderr)
    if args.trace:
        print(f"trace: {args.trace} ({len(rows)} rows)" if rows else "trace: none written (no telemetry lines)")
    if args.plot and rows:
        _plot(rows, args.plot, args.trace)
        print(f"plot: {args.plot}")
    return 1 if bench.error is not None or not r.lines else 0


def _plot(rows, path, trace):
    """Draw the session as `pulseboot plot` draws a trace: from the trace written, or one
    written for it into a temporary directory."""
    import tempfile

    from pulseboot.cli.plot import _format
    from pulseboot.report.plot import plot_trace
    from pulseboot.report.trace import TraceWriter

    if trace:
        plot_trace(trace, path, _format("--plot", path))
        return
    with tempfile.TemporaryDirectory(prefix="pulseboot-monitor-") as tmp:
        src = pathlib.Path(tmp, "bench.csv")
        with TraceWriter(src, len(rows[0][6])) as writer:
            for row in rows:
                writer(row)
        plot_trace(src, path, _format("--plot", path))
