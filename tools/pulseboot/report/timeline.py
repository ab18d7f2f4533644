"""What a plot needs from a session, gathered row by row: from a run as it happens
(`pulseboot sim --plot`) or from a saved trace (`pulseboot plot`), the same way.

`Recorder` keeps a decimated copy of the pressures, pump and valves (a 30-minute session is
72,000 ticks; a plot needs a few thousand points), every tick of the last full wave (for the
zoom), and, exactly: the state changes, the faults as they latch and clear, the button
presses and the events (events.py). `describe()` turns a recorder filled from a trace into
the summary-like dict the plot takes from `simulate()` in a sim run.
"""
import itertools
import math
from collections import deque

from pulseboot import fw  # noqa: F401 (puts firmware/lib on the path)
from pulseboot.report import analysis, events

import buttons as fw_buttons  # firmware/lib

BUTTON_NAMES = fw_buttons.NAMES  # bit i of the buttons column
LONG_MS = fw_buttons.Buttons.long_ms  # a hold this long is a long press
_PRE_MS = 2000  # the zoom starts this long before its wave's first fill ...
_POST_MS = 3000  # ... and ends this long after the wave has vented


class Recorder:
    """Keeps one point per `every` ticks. Pressures are sampled at the start of each bin;
    a valve counts as open if it was at any tick of the bin (so short inlet pulses stay
    visible); pump is the bin's mean duty. The true pressures are kept when the rows have
    them, else the believed ones (a bench trace): `true` says which."""

    def __init__(self, chambers, duration_s, tick_ms=25, max_points=6000):
        ticks = math.ceil(duration_s * 1000 / tick_ms)
        self.every = max(1, math.ceil(ticks / max_points))
        self.tick_ms = tick_ms
        self.chambers = chambers
        self.t_ms = []
        self.p = [[] for _ in range(chambers)]
        self.pump = []
        self.inl = [[] for _ in range(chambers)]
        self.out = [[] for _ in range(chambers)]
        self.fault = []
        self.true = None  # True: true pressures; False: believed (no true ones in the rows)
        self.states = []  # (t_ms, state) at each change
        self.trips = []  # [t_ms latched, t_ms cleared (None: still latched), code] per fault
        self.presses = []  # [t_ms, button, held ms (None while held)]
        self.events = []  # events.Event
        self.end_ms = None  # the last row's time
        self.zoom = None  # rows (t, p, pump, inl, out) of the last full wave and around it
        self.zoom_cycle = None  # that wave (analysis.Cycle)
        self.waves = analysis.Recorder()
        self._recent = deque()  # rows of the last _PRE_MS, before a wave starts
        self._wave = None  # rows of the wave in progress
        self._tail = None  # rows after a full wave, until _POST_MS
        self._held = 0
        self._n = 0
        self._fault_now = ""

    def __call__(self, row, buttons=None, items=(), _indicators=None):
        t_ms, state, _program, fault, pump, p, s, inl, out = row
        if self.true is None:
            self.true = p is not None and (not p or p[0] is not None)
        if not self.true:
            p = s
            row = (t_ms, state, _program, fault, pump, s, s, inl, out)
        self.end_ms = t_ms
        if not self.states or self.states[-1][1] != state:
            self.states.append((t_ms, state))
        if fault != self._fault_now:
            if self._fault_now:
                self.trips[-1][1] = t_ms
            if fault:
                self.trips.append([t_ms, None, fault])
            self._fault_now = fault
        if buttons is not None:
            self._buttons(t_ms, buttons)
        for it in items:
            for key, value in events.parse(it):
                self.events.append(events.Event(t_ms, key, value))
        self._bin(t_ms, fault, pump, p, inl, out)
        self._zoom_rows(row)

    def _buttons(self, t_ms, held):
        changed = held ^ self._held
        for i, name in enumerate(BUTTON_NAMES):
            bit = 1 << i
            if changed & bit:
                if held & bit:
                    self.presses.append([t_ms, name, None])
                else:
                    for press in reversed(self.presses):
                        if press[1] == name and press[2] is None:
                            press[2] = t_ms - press[0]
                            break
        self._held = held

    def _bin(self, t_ms, fault, pump, p, inl, out):
        if self._n == 0:
            self.t_ms.append(t_ms)
            for col, v in zip(self.p, p):
                col.append(v)
            self._pump = pump
            self._inl = list(inl)
            self._out = list(out)
            self._fault = fault
        else:
            self._pump += pump
            self._inl = [a or b for a, b in zip(self._inl, inl)]
            self._out = [a or b for a, b in zip(self._out, out)]
            self._fault = self._fault or fault
        self._n += 1
        if self._n == self.every:
            self._flush()

    def _flush(self):
        self.pump.append(self._pump / self._n)
        for col, v in zip(self.inl, self._inl):
            col.append(1 if v else 0)
        for col, v in zip(self.out, self._out):
            col.append(1 if v else 0)
        self.fault.append(self._fault)
        self._n = 0

    def _zoom_rows(self, row):
        t_ms, _state, _program, _fault, pump, p, _s, inl, out = row
        kept = (t_ms, list(p), pump, list(inl), list(out))
        waves = self.waves
        done = len(waves.cycles)
        waves(row)
        if self._tail is not None:
            self._tail.append(kept)
            if t_ms - self.zoom_cycle.end_ms >= _POST_MS:
                self.zoom = self._tail
                self._tail = None
        if self._wave is None and waves.current is not None:
            self._wave = [*self._recent, kept]
            self._recent.clear()
        elif self._wave is not None:
            self._wave.append(kept)
        else:
            self._recent.append(kept)
            while self._recent and t_ms - self._recent[0][0] > _PRE_MS:
                self._recent.popleft()
        if len(waves.cycles) > done:  # a wave ended at this row
            cycle = waves.cycles[-1]
            if not cycle.cut and cycle.end_ms is not None:
                self.zoom_cycle = cycle
                self._tail = self._wave
            self._wave = None

    def finish(self):
        """Close a part-filled last bin and the zoom (call once, after the run)."""
        if self._n:
            self._flush()
        if self._tail is not None:
            self.zoom = self._tail
            self._tail = None


def from_trace(cols):
    """A Recorder filled from read_trace()'s columns."""
    n = sum(1 for name in cols if name[:1] == "s" and name[1:].isdigit())
    t = cols["t_ms"]
    span_ms = t[-1] - t[0]
    step = min((b - a for a, b in itertools.pairwise(t) if b > a), default=25)
    rec = Recorder(n, max(span_ms, step) / 1000, tick_ms=step)
    names = range(1, n + 1)
    p = [cols[f"p{i}"] for i in names]
    s = [cols[f"s{i}"] for i in names]
    inl = [cols[f"in{i}"] for i in names]
    out = [cols[f"out{i}"] for i in names]
    true = all(v is not None for col in p for v in col)
    buttons = cols.get("buttons")
    items = cols.get("events")
    state, program, fault, pump = cols["state"], cols["program"], cols["fault"], cols["pump"]
    for k in range(len(t)):
        row = (t[k], state[k], program[k], fault[k], pump[k] or 0,
               [c[k] for c in p] if true else None, [_num(c[k]) for c in s],
               [c[k] or 0 for c in inl], [c[k] or 0 for c in out])
        rec(row, None if buttons is None else buttons[k], (items[k],) if items and items[k] else ())
    rec.finish()
    return rec


def _num(v):
    return math.nan if v is None else v


def describe(rec, cols):
    """The summary-like dict plot() takes (as simulate() returns it), from a trace's recorder."""
    last = {}
    targets_at = []
    injected = []
    ends = []
    for e in rec.events:
        last[e.key] = e.value
        if e.key == "targets":
            values = events.targets(e.value)
            if values:
                targets_at.append((e.t_ms, values))
        elif e.key == "inject":
            what = events.injected(e.value)
            if what:
                injected.append({"kind": what[0], "chamber": what[1], "t_ms": e.t_ms})
        elif e.key == "end":
            ends.append({"t_ms": e.t_ms, "reason": e.value})
    if not any(e.key == "end" for e in rec.events):
        ends = _ends_from_states(rec)
    programs = [p for p in cols["program"] if p]
    try:
        limit = float(last["limit"])
    except (KeyError, ValueError):
        limit = None
    return {
        "program": programs[-1] if programs else "?",
        "board": last.get("board") or f"{rec.chambers} chambers",
        "plant": last.get("plant"),
        "seed": last.get("seed"),
        "targets_mmhg": targets_at[-1][1] if targets_at else [],
        "targets_at": targets_at,
        "hard_limit_mmhg": limit,
        "waves": len(rec.waves.complete_cycles()),  # full waves seen (the firmware's count is not in a trace)
        "faults": [{"code": code, "t_ms": t} for t, _, code in rec.trips],
        "injected": injected,
        "session_ends": ends,
    }


def _ends_from_states(rec):
    """Session ends read from the state column (a trace without `end` events)."""
    ends = []
    for (_, was), (t, now) in zip(rec.states, rec.states[1:]):
        if was in ("RUNNING", "PAUSED") and now not in ("RUNNING", "PAUSED"):
            if now == "FAULT":
                reason = "fault"
            elif now == "IDLE":
                held = [p for p in rec.presses if p[1] == "start" and p[0] <= t and (p[2] or 0) >= LONG_MS]
                reason = "long START" if held and t - held[-1][0] <= LONG_MS + 500 else "stopped"
            else:
                reason = "reset"
            ends.append({"t_ms": t, "reason": reason})
    return ends
