"""Peak accuracy on a limb: each wave's peak per chamber, judged on the pulse-free part of the
true pressure.

On a leg the pressure a chamber holds carries the wearer's pulse (1-3 mmHg peak to peak, 50-100
bpm) and now and then a movement (up to 12 mmHg for at most 0.6 s). What the controller is
asked to hold is the pressure under them: the running median over MEDIAN_MS (longer than a beat
at 50 bpm, more than twice the longest movement) takes both out, and a wave's peak is the
highest of it. Sampled every SAMPLE_MS to keep a 2-hour sweep cheap.

A movement also leaves the limb's creep behind: the pressure comes back a few mmHg above where
it was and settles over seconds, and a controller that can only add air cannot take that off.
Bound to the plant (Recorder calls bind), each peak is marked as moved when the wearer moved
while that chamber was pressurised, so the bench reports held-still and moved peaks apart.
"""
from pulseboot.report.analysis import VENTED_MMHG

MEDIAN_MS = 1300
SAMPLE_MS = 100


class SteadyPeaks:
    """on_tick callback: per complete wave, each chamber's highest running median (mmHg)."""

    def __init__(self):
        self.waves = []  # [peak per chamber] of each wave that ended vented while running
        self.moved = []  # per wave, per chamber: whether a movement came while it was pressurised
        self.faults = []  # (t_ms, code) of each fault seen
        self._plant = None
        self._moved = None
        self._window = None
        self._peak = None
        self._cut = False
        self._next = 0
        self._fault = ""

    def bind(self, plant):
        """The plant whose movements mark peaks as moved."""
        self._plant = plant

    def __call__(self, row):
        t, state, _program, fault, pump, p, _s, inlet, vent = row
        if fault and fault != self._fault:
            self.faults.append((t, fault))
        self._fault = fault
        if self._peak is None:
            if not (any(inlet) and pump):
                return
            self._peak = [0.0] * len(p)
            self._moved = [False] * len(p)
            self._window = [[] for _ in p]
            self._cut = False
        if state != "RUNNING":
            self._cut = True
        if self._plant is not None and self._plant.moving:
            for i, v in enumerate(p):
                self._moved[i] = self._moved[i] or v > VENTED_MMHG
        if t >= self._next:
            self._next = t + SAMPLE_MS
            keep = MEDIAN_MS // SAMPLE_MS
            for i, w in enumerate(self._window):
                w.append(p[i])
                if len(w) > keep:
                    del w[0]
                m = sorted(w)[len(w) // 2]
                if m > self._peak[i]:
                    self._peak[i] = m
        if max(p) < VENTED_MMHG and all(vent) and not any(inlet) and max(self._peak) > VENTED_MMHG:
            if not self._cut:
                self.waves.append(self._peak)
                self.moved.append(self._moved)
            self._peak = None
