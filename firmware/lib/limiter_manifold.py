# The limiter's own rules for the single-sensor build (one sensor on the manifold, a valve per
# chamber and one exhaust): loaded only for that board, like regulator_manifold.py.
# - The manifold jumps at every pump pulse (air rushing through the valve) and reads the
#   chamber only in the pauses: NO_RISE judges the pulse time since the reading between
#   pulses last rose, as well as the feeding time since the manifold itself last rose.
# - With the pump told off and the valves left as they are, the manifold can only settle
#   toward the chambers open to it (fall, when it is open to atmosphere): rising, and above
#   all of them, air comes in: the pump runs on, or a valve let a chamber in (PUMP_RUN).
from micropython import const

import faults
import limits
from limiter import Limiter, _add

# The packed per-chamber and per-sensor state: limiter.py's offsets.
_FEED = const(3)
_STEP = const(4)
_BURST = const(5)
_RATE = const(6)
_BLIND = const(7)
_AIR = const(8)
_FEED_FROM = const(9)
_RATE_FROM = const(10)
_BURST_FROM = const(11)
_FIRST = const(18)
_LEARN = const(19)
_FIRST_MOST = const(-4)
_FAST = const(0)
_M_PATH = const(7)  # after the one sensor's: the manifold shut (0), open to air (1) or settling (2),
_M_OFF = const(8)  # the pump off with the valves as they are this long,
_M_MIN = const(9)  # ... the lowest manifold reading meanwhile,
_M_VALVES = const(10)  # the valves as they are (two bits a chamber: inlet, vent)
_FRESH = const(0x3FFFFFFF)
_OFF_SETTLE_MS = const(250)  # the pump told off: the manifold's reading catches up this long
# The fill's rate is learned over its whole rise since the chamber vented, once that is this
# much: one reading between pulses is noisy (a pulse's true rise can be a third of the noise).
_RATE_SPAN_DMMHG = const(100)


class ManifoldLimiter(Limiter):
    def _manifold(self, dt, pump):
        """Every tick before the readings are judged: the valves as they are now, and whether
        the manifold rose with the pump off (the last tick's filtered reading). True: tripped."""
        s = self._s
        inlet = self._inlet
        vent = self._vent
        valves = 0
        for i in range(len(vent)):
            valves = (valves << 2) | (inlet[i] << 1) | vent[i]  # (8 chambers at most: a small int)
        if valves != s[_M_VALVES]:
            s[_M_VALVES] = valves
            s[_M_OFF] = 0  # the manifold settles anew
        f = s[_FAST]
        # Any chamber venting opens the manifold (the one exhaust). Shut, it is pumped, or with
        # the pump off it settles to the chambers open to it: after that only a leak lets it
        # fall (with none open, the manifold alone is too small to judge).
        s[_M_PATH] = (1 if valves & 0x15555555 else 0 if pump or (s[_M_OFF] >= _OFF_SETTLE_MS and valves)
                      else 2)
        if pump or s[_M_OFF] < _OFF_SETTLE_MS:
            s[_M_OFF] = 0 if pump else s[_M_OFF] + dt  # the reading's lag first
            s[_M_MIN] = f
            return False
        if f < s[_M_MIN]:
            s[_M_MIN] = f
        if f - s[_M_MIN] <= limits.FALL_DMMHG:
            return False
        if s[_M_PATH] != 1:
            pressure = self._pressure
            for i in range(len(pressure)):
                if (inlet[i] or vent[i]) and f <= pressure[i] + limits.FALL_DMMHG:
                    return False  # a chamber open to it could explain it
        self.trip(faults.PUMP_RUN, -1, f - s[_M_MIN], limits.FALL_DMMHG)
        return True

    def _not_rising(self, b, dt, seen, _top):
        c = self._c
        burst = c[b + _BURST]
        c[b + _BURST] = _add(burst, dt)
        # Between pulses: the pulse time since the reading as a pulse begins (the manifold's
        # last before it, unfiltered: the filter would still hold some of the last pulse's
        # flow) last rose NO_RISE_DMMHG is bounded by what such a rise took before (step:
        # from the air fed since the chamber vented and the rise since, which noise cannot sway).
        if burst == 0:
            manifold = self._sensed[0]
            fresh = c[b + _BURST_FROM] == _FRESH
            rise = manifold - c[b + _BURST_FROM]
            blind = c[b + _BLIND] + c[b + _RATE]
            if fresh:
                c[b + _RATE_FROM] = manifold
            if fresh or rise >= limits.NO_RISE_DMMHG:
                rise = manifold - c[b + _RATE_FROM]
                if not fresh and rise >= _RATE_SPAN_DMMHG and c[b + _AIR] > 0:
                    c[b + _STEP] = step = c[b + _AIR] // 100 * limits.NO_RISE_RATE_DMMHG // rise
                    if c[b + _LEARN]:  # the fill's first: the next fill's window starts from it
                        c[b + _LEARN] = 0
                        c[b + _FIRST] = step
                        if step > self._s[_FIRST_MOST]:
                            self._s[_FIRST_MOST] = step
                c[b + _BURST_FROM] = manifold
                blind = 0
            c[b + _BLIND] = blind
            c[b + _RATE] = 0
        # Within pulses: the feeding time since the manifold last rose, across pulses (judged
        # from its lowest: it reads lower as the flow eases, which is no sign of a stuck sensor).
        # The air rushing through the valve makes the manifold's reading the noisier: a rise
        # counts at twice a chamber sensor's (a hose off reads some 28 mmHg of flow, +-0.5).
        if c[b + _FEED] == 0 or seen - c[b + _FEED_FROM] >= 2 * limits.NO_RISE_DMMHG:
            c[b + _FEED_FROM] = seen
            c[b + _FEED] = dt if dt > 0 else 1
        else:
            if seen < c[b + _FEED_FROM]:
                c[b + _FEED_FROM] = seen
            c[b + _FEED] = _add(c[b + _FEED], dt)
        # Readings between pulses are few and noisy: twice the feeding chamber's allowance.
        w = self._window(b)
        return c[b + _BLIND] >= 2 * w or c[b + _FEED] > w

