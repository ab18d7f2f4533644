"""CSV trace of a simulated session: one row per control tick.

Columns: t_ms,state,program,fault,pump,p1..pN,s1..sN,in1..inN,out1..outN
(p: the plant's true gauge pressure, s: the firmware's belief, both mmHg;
in/out: 1 when a chamber is open to the pump side / to atmosphere; chamber 1 is
the most distal). A 30-minute run is 72,000 rows, so each row is one `%`
format with a string built once, written through a large buffer.
"""
import csv

FIXED = ("t_ms", "state", "program", "fault", "pump")


def columns(chambers):
    """The header names, in order, for a board with this many chambers."""
    n = range(1, chambers + 1)
    return (
        list(FIXED)
        + [f"p{i}" for i in n]
        + [f"s{i}" for i in n]
        + [f"in{i}" for i in n]
        + [f"out{i}" for i in n]
    )


def _row_format(chambers):
    return ("%d,%s,%s,%s,%d,"
            + ",".join(["%.2f"] * chambers + ["%.1f"] * chambers + ["%d"] * (2 * chambers))
            + "\n")


def expected_bytes(chambers, duration_ms, program, tick_ms=25):
    """About how big the trace of a run will be: its header, and a row per tick as wide as
    a running row at the end of the run (two-digit pressures, pump at 100 %), which is a
    little more than the average row (idle and vented rows are shorter)."""
    rows = duration_ms // tick_ms + 1
    row = _row_format(chambers) % (duration_ms, "RUNNING", program, "", 100, *[10.0] * (2 * chambers),
                                   *[0] * (2 * chambers))
    return len(",".join(columns(chambers))) + 1 + rows * len(row), rows


class TraceWriter:
    """Callable as sim.run's on_tick; writes the header at once, a row per call."""

    def __init__(self, path, chambers, buffering=1 << 20):
        self.chambers = chambers
        # Open for the object's life (closed by close() or `with`), so no `with` here.
        self._file = open(path, "w", buffering=buffering, newline="")
        self._file.write(",".join(columns(chambers)) + "\n")
        self._fmt = _row_format(chambers)
        self._write = self._file.write
        self.rows = 0

    def __call__(self, row):
        t_ms, state, program, fault, pump, p, s, inl, out = row
        self._write(self._fmt % (t_ms, state, program, fault, pump, *p, *s, *inl, *out))
        self.rows += 1

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _kind(name):
    if name in ("t_ms", "pump") or name.startswith(("in", "out")):
        return int
    if name[0] in "ps" and name[1:].isdigit():
        return float
    return str


def read_trace(path):
    """The trace as a dict column name -> list, in header order, values typed
    (int for t_ms, pump, in*, out*; float for p*, s*; str otherwise)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        cols = [[] for _ in header]
        for row in reader:
            for col, value in zip(cols, row):
                col.append(value)
    return {name: list(map(_kind(name), col)) for name, col in zip(header, cols)}
