"""Physical facts of a simulated run, read from the per-tick rows.

Cycles are cut where every chamber is open to atmosphere, below 5 mmHg, with no
inlet open, after having been pressurised: this uses what the plant did, not what
the firmware says it did, so it can judge the firmware. A cycle during which the
session stopped running (paused, stopped, its time up, a fault, a reset) is cut short:
it is kept, but it is not a full wave.
"""

VENTED_MMHG = 5.0


class Cycle:
    def __init__(self, start_ms, chambers):
        self.start_ms = start_ms
        self.end_ms = None
        self.peak = [0.0] * chambers  # highest true pressure per chamber
        self.crossed_ms = [None] * chambers  # first time past 80 % of its peak (set at the end)
        self.cut = False  # the session stopped running before this wave was over
        self._first = [[] for _ in range(chambers)]  # [k]: first time past k whole mmHg

    def _rise(self, i, p, t):
        first = self._first[i]
        while len(first) <= p:
            first.append(t)

    def _close(self, t):
        self.end_ms = t
        for i, first in enumerate(self._first):
            k = int(0.8 * self.peak[i]) + 1
            self.crossed_ms[i] = first[k] if k < len(first) else None

    def fill_order(self):
        """Chamber indices in the order they first rose past 80 % of their peak."""
        known = [(t, i) for i, t in enumerate(self.crossed_ms) if t is not None]
        return [i for _, i in sorted(known)]


class Recorder:
    """on_tick callback that keeps per-cycle peaks and fill order, plus run-wide maxima."""

    def __init__(self):
        self.cycles = []
        self.max_mmhg = 0.0
        self.states = set()
        self.fault_rows = 0
        self.unsafe_fault_rows = 0  # rows in FAULT with the pump on or a chamber not vented
        self._open = None

    def __call__(self, row):
        t, state, _program, _fault, pump, p, _s, inlet, out = row
        n = len(p)
        top = max(p)
        if top > self.max_mmhg:
            self.max_mmhg = top
        self.states.add(state)
        if state == "FAULT":
            self.fault_rows += 1
            if pump or any(inlet) or not all(out):
                self.unsafe_fault_rows += 1
        cyc = self._open
        if cyc is None:
            if any(inlet) and pump:
                cyc = self._open = Cycle(t, n)
            else:
                return
        if state != "RUNNING":
            cyc.cut = True
        for i in range(n):
            if p[i] > cyc.peak[i]:
                cyc.peak[i] = p[i]
                cyc._rise(i, p[i], t)
        if top < VENTED_MMHG and all(out) and not any(inlet) and max(cyc.peak) > VENTED_MMHG:
            cyc._close(t)
            self.cycles.append(cyc)
            self._open = None

    @property
    def current(self):
        """The cycle in progress (a Cycle), or None between cycles."""
        return self._open

    def complete_cycles(self):
        """The full waves: cycles that ended vented while the session kept running."""
        return [c for c in self.cycles if c.end_ms is not None and not c.cut]
