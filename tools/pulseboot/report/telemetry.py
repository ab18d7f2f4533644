"""The device's telemetry lines (firmware/lib/telemetry.py, format PB1) read back as trace rows.

A Reader takes whatever bytes the serial port gives, in any pieces, and turns each complete
line into a row shaped like the simulator's (report/trace.py):
    (t_ms, state, program, fault, pump, p_true, s_believed, inlet, vent)
with p_true None (a bench has no true pressure) and s the chamber readings in mmHg. A line
that is not telemetry (the firmware's console) is counted as console text; a telemetry line
that is cut short, garbled or fails its checksum is skipped and counted, never raised.
"""
import collections

from pulseboot.fw import faults, programs

TAG = b"PB1,"
FIXED = 11  # values besides the readings: t, state, program, level, fault, pump, in, vent, left, session, cycles
_MAX_LINE = 4096  # a run of bytes with no newline this long is noise: dropped
LINE_MS = 25  # the firmware sends a line every control tick


class Sample:
    """One telemetry line: the row, and what the row has no column for."""

    __slots__ = ("cycles", "left_s", "level_dmmhg", "row", "session_min")

    def __init__(self, row, level_dmmhg, left_s, session_min, cycles):
        self.row = row
        self.level_dmmhg = level_dmmhg
        self.left_s = left_s
        self.session_min = session_min
        self.cycles = cycles


def parse(line):
    """A Sample from one line (bytes, newline included or not), or None if it is not a whole,
    valid telemetry line. t_ms is the device's, as sent (it wraps after 2**30 ms)."""
    line = line.rstrip(b"\r\n")
    if not line.startswith(TAG):
        return None
    body, star, check = line.rpartition(b"*")
    if not star or len(check) != 2:
        return None
    try:
        if int(check, 16) != sum(body) & 255:
            return None
        values = [int(f) for f in body[len(TAG):].split(b",")]
    except ValueError:
        return None
    n = len(values) - FIXED
    if n < 1:
        return None
    t, state, program, level, fault, pump = values[:6]
    readings = values[6:6 + n]
    fed, vented, left, session_min, cycles = values[6 + n:]
    if not (0 <= state < len(faults.STATE_NAMES) and 0 <= program < len(programs.NAMES)
            and 0 <= fault < len(faults.NAMES) and 0 <= pump <= 100 and fed >> n == 0 and vented >> n == 0):
        return None
    row = (t, faults.STATE_NAMES[state], programs.NAMES[program], faults.NAMES[fault], pump, None,
           [r / 10 for r in readings], [(fed >> i) & 1 for i in range(n)], [(vented >> i) & 1 for i in range(n)])
    return Sample(row, level, left, session_min, cycles)


class Reader:
    """Bytes in, Samples out; counts what it could not use."""

    def __init__(self):
        self._pending = b""
        self.lines = 0  # telemetry lines used
        self.skipped = 0  # telemetry lines cut short, garbled or failing their checksum
        self.console = collections.deque(maxlen=20)  # the firmware's own lines (the last few)
        self.chambers = None
        self._t0 = None  # the device's t of the first line: the trace starts at 0
        self._last = None
        self._offset = 0  # whole wraps of the device's 2**30 ms counter

    def feed(self, data):
        """Samples from these bytes (and any line they complete); t_ms counts from the first line."""
        self._pending += data
        out = []
        while True:
            end = self._pending.find(b"\n")
            if end < 0:
                if len(self._pending) > _MAX_LINE:
                    self._pending = b""
                    self.skipped += 1
                return out
            line, self._pending = self._pending[:end + 1], self._pending[end + 1:]
            sample = self._use(line)
            if sample is not None:
                out.append(sample)

    def _use(self, line):
        sample = parse(line)
        if sample is None:
            if TAG[:3] in line:  # telemetry that did not survive the trip (cut, mixed, garbled)
                self.skipped += 1
            elif line.strip():
                self.console.append(line.decode(errors="replace").rstrip())
            return None
        n = len(sample.row[6])
        if self.chambers is None:
            self.chambers = n
        elif n != self.chambers:  # another board on the same port mid-stream: not this trace's
            self.skipped += 1
            return None
        t = sample.row[0]
        if self._t0 is None:
            self._t0 = t
        elif t < self._last:
            if self._last > (1 << 30) - 60_000:  # the counter wrapped
                self._offset += 1 << 30
            else:  # the board restarted: its clock began again at 0; the trace goes on
                self._offset += self._last - t + LINE_MS
        self._last = t
        sample.row = (t + self._offset - self._t0, *sample.row[1:])
        self.lines += 1
        return sample
