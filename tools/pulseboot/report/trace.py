"""CSV trace of a session: one row per control tick (a simulated run, or a bench session
recorded from the device, which may have a row every few ticks).

Columns (format 3): t_ms,state,program,fault,pump,p1..pN,s1..sN,in1..inN,out1..outN,buttons,events,led,buzzer
(p: the plant's true gauge pressure, s: the firmware's belief, both mmHg; in/out: 1 when a
chamber is open to the pump side / to atmosphere; chamber 1 is the most distal; buttons and
events: see events.py; led and buzzer: 1 while the status LED is lit / the buzzer sounds at
the end of the tick, what led.py plays for the state, a fault or the answer to a press; a
board with no buzzer pin shows what one there would sound). Format 1 had no buttons and
events columns, format 2 no led and buzzer; columns are only ever added at the end, so a
reader that goes by name or by position reads every format. A bench trace leaves the p
cells (and buttons, led and buzzer, when not recorded) empty.

A 30-minute run is 72,000 rows, so each row is one `%` format with a string built once,
written through a large buffer.
"""
import csv

FIXED = ("t_ms", "state", "program", "fault", "pump")
EXTRA = ("buttons", "events", "led", "buzzer")  # format 2 added buttons and events, format 3 led and buzzer
FORMAT = 3
INDICATORS = ("led", "buzzer")  # columns a format 2 (or older) trace does not have


class TraceError(ValueError):
    """A file that is not a readable trace; str() is one line naming the problem."""


def columns(chambers):
    """The header names, in order, for a board with this many chambers."""
    n = range(1, chambers + 1)
    return (
        list(FIXED)
        + [f"p{i}" for i in n]
        + [f"s{i}" for i in n]
        + [f"in{i}" for i in n]
        + [f"out{i}" for i in n]
        + list(EXTRA)
    )


def _row_format(chambers):
    return ("%d,%s,%s,%s,%d,"
            + ",".join(["%.2f"] * chambers + ["%.1f"] * chambers + ["%d"] * (2 * chambers))
            + ",%s,%s,%s,%s\n")


def expected_bytes(chambers, duration_ms, program, tick_ms=25):
    """About how big the trace of a run will be: its header, and a row per tick as wide as
    a running row at the end of the run (two-digit pressures, pump at 100 %), which is a
    little more than the average row (idle and vented rows are shorter)."""
    rows = duration_ms // tick_ms + 1
    row = _row_format(chambers) % (duration_ms, "RUNNING", program, "", 100, *[10.0] * (2 * chambers),
                                   *[0] * (2 * chambers), 0, "", 1, 1)
    return len(",".join(columns(chambers))) + 1 + rows * len(row), rows


class TraceWriter:
    """Callable as sim.run's on_tick; writes the header at once, a row per call. buttons (a
    bitmask, None: not recorded), events (`key=value` items, events.item) and indicators
    ((led, buzzer), None: not recorded) are the last columns."""

    def __init__(self, path, chambers, buffering=1 << 20):
        self.chambers = chambers
        # Open for the object's life (closed by close() or `with`), so no `with` here.
        self._file = open(path, "w", buffering=buffering, newline="")
        self._file.write(",".join(columns(chambers)) + "\n")
        self._fmt = _row_format(chambers)
        self._no_p = self._fmt.replace("%.2f", "%s")  # a bench row: no true pressures
        self._blank = [""] * chambers
        self._write = self._file.write
        self.rows = 0

    def __call__(self, row, buttons=None, events=(), indicators=None):
        """row: (t_ms, state, program, fault, pump, p, s, inlet, vent) as scenario.Recorder
        gives it, p None for a bench row (its cells are left empty)."""
        t_ms, state, program, fault, pump, p, s, inl, out = row
        fmt = self._fmt
        if p is None:
            fmt, p = self._no_p, self._blank
        led, buzzer = ("", "") if indicators is None else indicators
        self._write(fmt % (t_ms, state, program, fault, pump, *p, *s, *inl, *out,
                           "" if buttons is None else buttons, ";".join(events), led, buzzer))
        self.rows += 1

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _kind(name):
    if name in ("t_ms", "pump", "buttons", "led", "buzzer") or name.startswith(("in", "out")):
        return int
    if name[0] in "ps" and name[1:].isdigit():
        return float
    return str


def chambers_of(header):
    """How many chambers a header has columns for (s1..sN); TraceError if it is not a trace's."""
    missing = [c for c in FIXED if c not in header]
    if missing:
        raise TraceError(f"not a PulseBoot trace: no {missing[0]} column in the header (expected "
                         f"{','.join(FIXED)},p1..,s1..,in1..,out1..)")
    n = 0
    while f"s{n + 1}" in header:
        n += 1
    if n == 0:
        raise TraceError("not a PulseBoot trace: no s1 column (the believed pressures) in the header")
    for prefix in ("p", "in", "out"):
        for i in range(1, n + 1):
            if f"{prefix}{i}" not in header:
                raise TraceError(f"not a PulseBoot trace: {n} chambers (s1..s{n}) but no {prefix}{i} column")
    return n


def read_trace(path):
    """The trace as a dict column name -> list, in header order, values typed (int for t_ms,
    pump, in*, out*, buttons, led, buzzer; float for p*, s*; str otherwise); an empty number
    cell (a bench trace's p, an unrecorded buttons) is None. Reads formats 1 (no buttons,
    events) and 2 (no led, buzzer) too: the columns it has.
    TraceError (one line: the line and column at fault) for an empty file, a header that is
    not a trace's, a row of the wrong width, a number that is not one, or no rows at all."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
            if header is None:
                raise TraceError("empty file: no header row")
            chambers_of(header)
            cols = [[] for _ in header]
            lines = []  # the file's line number of each row, for messages
            width = len(header)
            for row in reader:
                if len(row) != width:
                    if not row:
                        continue  # a blank line
                    raise TraceError(f"line {reader.line_num}: {len(row)} fields, the header has {width}")
                lines.append(reader.line_num)
                for col, value in zip(cols, row):
                    col.append(value)
        except (csv.Error, UnicodeDecodeError) as e:
            raise TraceError(f"line {reader.line_num + 1}: not CSV text ({e})") from None
    if not lines:
        raise TraceError("no rows after the header")
    return {name: _typed(name, col, lines) for name, col in zip(header, cols)}


def _typed(name, col, lines):
    kind = _kind(name)
    if kind is str:
        return col
    try:
        values = [kind(v) if v else None for v in col]
    except ValueError:
        for line, v in zip(lines, col):
            try:
                kind(v or 0)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise TraceError(f"line {line}, column {name}: {v!r} is not {what}") from None
        raise
    if name == "t_ms" and None in values:
        raise TraceError(f"line {lines[values.index(None)]}: no time in column t_ms")
    return values
