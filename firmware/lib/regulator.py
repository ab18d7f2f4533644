# Bring each chamber to its target quickly and without overshoot.
# One pump feeds one chamber at a time through that chamber's inlet valve.
# The inlet closes early by the rise expected during the sensor's lag and the
# valve's switching delay; that lead time is learned per chamber from the
# settled pressure after every fill, so cut-off corrects itself cycle to cycle.
# On a limb, a held chamber rises again when its neighbour fills (the tissue the neighbour
# presses out bulges under it); the controller can only add air, so each chamber learns how
# far above its target its holds end up and aims that much lower.
from array import array

from micropython import const

from scheduler import FILL, HOLD

# Per-chamber regulator phases.
_IDLE = const(0)
_FILLING = const(1)  # wants the pump (fed when it is this chamber's turn)
_SETTLING = const(2)  # inlet closed, waiting for the sensor to catch up
_SETTLED = const(3)  # at target, holding

_WINDOW = const(8)  # ticks of history for the rate estimate
_SPAN_MASK = const(0xFFFFF)  # wrap for the running time counter


# Tunables as constants (a class attribute costs RAM on the chip; the two the tests read stay).
_LEAD_MS = const(80)  # first guess: sensor lag + valve delay + half a tick
_LEAD_MAX_MS = const(1000)
_SETTLE_MS = const(300)  # wait after cut-off before judging the result
_AVERAGE_MS = const(100)  # the last part of the settle window is averaged
_DROOP_BAND = const(20)  # dmmHg below target while holding: top up ...
_DIP_DMMHG = const(20)  # ... unless it fell this much over the rate window (a leak or creep is slower)
_SLOW_BAND = const(150)  # dmmHg from target where the pump starts slowing
# The held level is judged on the mean over two blocks, a window that slides a block at a time:
# the window is longer than a beat at 50 bpm, so the pulse averages out, and one whose readings
# spread wider than a pulse, a top-up and the noise (the fill's own rise, a movement) is left out.
_BLOCK_MS = const(600)
_SPREAD = const(80)  # dmmHg: widest window judged
_OFFSET_STEP = const(10)  # dmmHg: the most one hold moves the aim
_OFFSET_MAX = const(50)  # dmmHg: the most a chamber aims below its target
_WIDE = const(0x3FFFFFFF)  # marks a block as not clean
_NONE = const(-0x3FFFFFFF)  # no clean block yet in this hold


class Regulator:
    topup_band = 8  # dmmHg below target after settling: top up
    duty_min = 45  # the pump still moves air against back pressure at this duty

    def __init__(self, chambers):
        n = chambers
        self.chambers = n
        self.pump = 0
        self.inlet = [0] * n
        self.vent = [1] * n
        self.reached = [0] * n  # set once per fill when the chamber has settled at target
        self.lead = [_LEAD_MS] * n
        # Packed arrays (a list spends a machine word on each entry); entries stay small.
        self._phase = bytearray(n)  # all _IDLE
        self._short = bytearray(n)  # this fill settled short once already
        self._timer = array("i", bytes(4 * n))
        self._sum = array("i", bytes(4 * n))
        self._count = array("i", bytes(4 * n))
        self._cut_rate = array("i", bytes(4 * n))
        self._cut_span = array("i", bytes(4 * n))
        self._history = array("i", bytes(4 * n * _WINDOW))  # pressure ring, chamber-major
        self._times = array("i", bytes(4 * _WINDOW))  # running time at each ring slot (< 2**20)
        self._slot = 0
        self._clock = 0
        self._filled = 0  # samples in the ring so far (rate needs a full window)
        self._m_rise = 0
        self._m_span = 0
        self.offset = array("i", bytes(4 * n))  # dmmHg each chamber aims below its target
        self._block_ms = 0
        self._block_n = 0
        self._block_sum = array("i", bytes(4 * n))
        self._block_lo = array("i", [_WIDE] * n)
        self._block_hi = array("i", [_NONE] * n)
        self._prev_sum = array("i", bytes(4 * n))  # the block before: sum, lowest, highest
        self._prev_lo = array("i", [_WIDE] * n)
        self._prev_hi = array("i", [_WIDE] * n)
        self._excess = array("i", [_NONE] * n)  # highest clean block mean above target, this hold

    def step(self, dt, mode, target, pressure):
        self._record(dt, pressure)
        client = -1  # the chamber the pump feeds this tick
        for i in range(self.chambers):
            m = mode[i]
            if m != FILL and m != HOLD:
                if self._phase[i] != _IDLE:
                    self._learn_offset(i)
                self._phase[i] = _IDLE
                self._short[i] = 0
                self.reached[i] = 0
                self.inlet[i] = 0
                self.vent[i] = 1
                continue
            self.vent[i] = 0
            self.inlet[i] = 0
            phase = self._phase[i]
            p = pressure[i]
            t = target[i] - self.offset[i]
            if phase == _IDLE:
                phase = _FILLING
            if phase == _FILLING:
                if p + self._rise(i) >= t:
                    phase = self._cut(i)
                elif client < 0 or (m == HOLD and mode[client] == FILL):
                    client = i  # a held chamber's top-up first: it is short, and the held one drooping is no leak
            elif phase == _SETTLING:
                phase = self._settle(i, dt, p, t)
            elif p < t - _DROOP_BAND:
                # Drooped (a leak, the limb creeping away under it): top up; not while it drops
                # faster than those do (a movement of the limb dips it for a moment, and a top-up
                # into the dip overshoots once the limb comes back).
                self._measure(i)
                if self._m_rise > -_DIP_DMMHG:
                    phase = _FILLING
            self._phase[i] = phase
        self._blocks(dt, target, pressure)
        if client < 0:
            self.pump = 0
            return
        self.inlet[client] = 1
        err = target[client] - self.offset[client] - pressure[client]
        duty = self.duty_min + (100 - self.duty_min) * err // _SLOW_BAND
        self.pump = 100 if duty > 100 else (self.duty_min if duty < self.duty_min else duty)

    def _blocks(self, dt, target, pressure):
        """Each filled or held chamber's mean over two blocks it spent wholly so (readings within
        _SPREAD); the highest of a hold, less the target, into _excess."""
        self._block_ms += dt
        self._block_n += 1
        for i in range(self.chambers):
            if self._phase[i] == _IDLE:
                self._block_hi[i] = _WIDE
            elif self._block_hi[i] != _WIDE:
                p = pressure[i]
                self._block_sum[i] += p
                if p < self._block_lo[i]:
                    self._block_lo[i] = p
                if p > self._block_hi[i]:
                    self._block_hi[i] = p
        if self._block_ms < _BLOCK_MS:
            return
        for i in range(self.chambers):
            lo = self._block_lo[i]
            hi = self._block_hi[i]
            if hi != _WIDE and self._prev_hi[i] != _WIDE:
                both_lo = lo if lo < self._prev_lo[i] else self._prev_lo[i]
                both_hi = hi if hi > self._prev_hi[i] else self._prev_hi[i]
                if both_hi - both_lo <= _SPREAD:
                    excess = (self._block_sum[i] + self._prev_sum[i]) // (2 * self._block_n) - target[i]
                    if excess > self._excess[i]:
                        self._excess[i] = excess
            self._prev_sum[i] = self._block_sum[i]
            self._prev_lo[i] = lo
            self._prev_hi[i] = hi
            self._block_sum[i] = 0
            self._block_lo[i] = _WIDE
            self._block_hi[i] = _NONE
        self._block_ms = 0
        self._block_n = 0

    def _learn_offset(self, i):
        # Halfway to what the last hold showed, a step at most: one odd hold cannot move the aim far.
        excess = self._excess[i]
        self._excess[i] = _NONE
        if excess == _NONE:
            return
        step = excess // 2
        step = _OFFSET_STEP if step > _OFFSET_STEP else (-_OFFSET_STEP if step < -_OFFSET_STEP else step)
        offset = self.offset[i] + step
        self.offset[i] = 0 if offset < 0 else (_OFFSET_MAX if offset > _OFFSET_MAX else offset)

    def _record(self, dt, pressure):
        self._clock = (self._clock + dt) & _SPAN_MASK
        s = self._slot
        self._times[s] = self._clock
        h = self._history
        for i in range(self.chambers):
            h[i * _WINDOW + s] = pressure[i]
        self._slot = (s + 1) % _WINDOW
        if self._filled < _WINDOW:
            self._filled += 1

    def _measure(self, i):
        """Rise over the window (dmmHg) into _m_rise and its span (ms) into _m_span.

        Results go to attributes, not a returned tuple: a tuple is a heap allocation.
        """
        self._m_rise = 0
        self._m_span = 0
        if self._filled < _WINDOW:
            return
        newest = (self._slot - 1) % _WINDOW
        oldest = self._slot
        base = i * _WINDOW
        self._m_span = (self._times[newest] - self._times[oldest]) & _SPAN_MASK
        self._m_rise = self._history[base + newest] - self._history[base + oldest]

    def _rise(self, i):
        """Pressure still to come if the inlet closed now."""
        self._measure(i)
        if self._m_span <= 0 or self._m_rise <= 0:
            return 0
        return self._m_rise * self.lead[i] // self._m_span

    def _cut(self, i):
        self._measure(i)
        self._cut_rate[i] = self._m_rise
        self._cut_span[i] = self._m_span
        self._timer[i] = _SETTLE_MS
        self._sum[i] = 0
        self._count[i] = 0
        return _SETTLING

    def _settle(self, i, dt, p, t):
        self._timer[i] -= dt
        if self._timer[i] <= _AVERAGE_MS:
            self._sum[i] += p
            self._count[i] += 1
        if self._timer[i] > 0:
            return _SETTLING
        settled = self._sum[i] // self._count[i] if self._count[i] else p
        error = settled - t
        self._learn(i, error)
        # Topped up once, a fill is reached within the hold's own band: on a limb the wearer's
        # pulse swings the reading by up to some 5 mmHg, and a settle that ends in its trough must
        # not call for top-up after top-up (each a share more air, the level ending high).
        if error < (-_DROOP_BAND if self._short[i] else -self.topup_band):
            self._short[i] = 1
            return _FILLING
        self._short[i] = 0
        self.reached[i] = 1
        return _SETTLED

    def _learn(self, i, error):
        # Overshoot means the inlet closed too late: lengthen the lead by the time the
        # fill needed to rise that far, halved so noise cannot make it oscillate.
        rise = self._cut_rate[i]
        if rise <= 0:
            return
        lead = self.lead[i] + error * self._cut_span[i] // rise // 2
        if lead < 0:
            lead = 0
        elif lead > _LEAD_MAX_MS:
            lead = _LEAD_MAX_MS
        self.lead[i] = lead

    def reset(self):
        for i in range(self.chambers):
            self._phase[i] = _IDLE
            self._short[i] = 0
            self.reached[i] = 0
            self.inlet[i] = 0
            self.vent[i] = 1
        self.pump = 0
