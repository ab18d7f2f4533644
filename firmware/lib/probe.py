# The garment check at START, before the first wave: every chamber must answer.
#
# 1. Every chamber vented, each sensor's zero is averaged (filtered by the controller every tick
#    every chamber is vented; or for _BASE_MS when START comes sooner): a reading
#    well below zero has a zero that walked away (ZERO_OFFSET); one still above VENTED_DMMHG
#    is a chamber still venting, waited for up to _WAIT_MS (then VENT_TIMEOUT).
# 2. One chamber after another gets air at full pump with its vent shut, and keeps it. It
#    answers once its reading stands _RISE_DMMHG above its zero: with a sensor per chamber the
#    pump moves on to the next chamber at once; on the single-sensor build the pump stops after
#    each _PULSE_MS and the manifold, connected to that chamber alone, is read (while air flows
#    the manifold reads high whatever is behind the valve). A slack bladder at 0 mmHg takes a
#    lot of air per mmHg, so the first chamber may take _FIRST_MS (or _PULSES pulses); the
#    others get half as much again as the slowest before them (on a limb the chambers grow from
#    ankle to thigh, and the thigh's gives more), at least _LEAST_MS (or the
#    pulses to rise half as much again as an answer at the least rise a pulse gave so far), and as long again
#    if by then they show two thirds of an answer; every allowance grows with the square of the
#    sensors' noise: a boot that answers fast is checked fast, a big, soft or noisy one is not
#    refused.
#    A sensor's zero is averaged for as long as its chamber stays vented, until its turn.
# 3. The first chamber silent and the second too: the boot is not connected (or the pump does
#    not run, or the one sensor is not plumbed): NO_BOOT. One silent chamber otherwise: its hose
#    is off, or its sensor is not plumbed to it: GARMENT on that chamber.
# A plain object stepped by the controller like the regulator: outputs in the core's lists. Its
# code is loaded for the check only (Controller.service()), so it holds no RAM meanwhile.
from array import array

from micropython import const

import faults
import limits

_BASE_MS = const(100)  # every chamber vented, zeros averaged (and on until each chamber's turn)
_WAIT_MS = const(3000)  # a chamber still venting is waited for this long
_FIRST_MS = const(1200)  # the first chamber (no other to compare with) may take this long
_LEAST_MS = const(600)  # any other at least this long (a large leg's calf: twice its ankle's 200 ms)
_RISE_DMMHG = const(5)  # an answer: 0.5 mmHg above the zero (noise on the filtered rise: ~0.15)
_PULSE_MS = const(250)  # single sensor: full pump this long (about 1 mmHg into a slack bladder) ...
_EQUALISE_MS = const(275)  # ... then the chamber alone on the manifold, pump off (the manifold
_READ_MS = const(100)  # has let its excess go in ~200 ms, a hose off too) and the end averaged
_PULSES = const(2)  # single sensor: the first chamber may take this many pulses
_WATCH_SHIFT = const(4)  # the controller's zero filter (its _WATCH_SHIFT): a sixteenth of each reading
_WATCH_TICKS = const(32)  # ... filtered this many ticks, its zeros stand in for _BASE_MS
_LAG_MS = const(100)  # no answer before this: the valves and the sensor's lag (noise, if anything)


class Probe:
    def __init__(self, chambers, sensors, zeros):
        """Begins at once. zeros: the controller's filtered zero per sensor (<< _WATCH_SHIFT),
        then the filtered stray of readings from it and how many ticks it has filtered them
        (every chamber vented: zeroing, idle, paused)."""
        spread = zeros[sensors]
        watched = zeros[sensors + 1]
        self.chambers = chambers
        self._single = sensors < chambers
        self.done = False
        self.fault = faults.NONE  # what the check found, when done
        self.chamber = -1  # ... on which chamber (-1: none or all)
        self.value = 0  # ... its rise, dmmHg
        self._t = 0  # ms into the current stage
        self._k = -1  # the chamber being checked; -1: the zeros
        self._waited = 0
        self._silent = -1  # the first chamber that did not answer
        self._slowest = 0  # the longest an answer took (ms); single sensor: the least rise a pulse gave
        self._zero = array("i", bytes(4 * sensors))  # summed readings, then the mean
        self._zn = array("i", bytes(4 * sensors))  # how many summed; 0 once it is the mean
        self._sum = 0
        self._n = 0
        self._f = 0  # the filtered reading of the chamber being checked
        # An answer must stand clear of the noise: twice the mean stray of a reading (about
        # 1.6 sigma of one, some 4 sigma of the filtered reading it is judged on).
        rise = (2 * spread) >> _WATCH_SHIFT
        self._rise = rise if rise > _RISE_DMMHG else _RISE_DMMHG
        self.limit = self._rise
        if watched >= _WATCH_TICKS:  # the zeros are in already
            for i in range(sensors):
                self._zero[i] = (zeros[i] + 8) >> _WATCH_SHIFT
                self._zn[i] = 1
            self._zeroes()
        else:
            self._next(-1)


    def _next(self, k):
        self._k = k
        self._t = 0
        self._sum = 0
        self._n = 0
        if k < 0:
            for i in range(len(self._zero)):
                self._zero[i] = 0
                self._zn[i] = 0
        else:
            self._f = self._mean(0 if self._single else k)

    def _mean(self, i):
        """Sensor i's zero: the mean of what it read vented, from here on."""
        n = self._zn[i]
        if n:
            self._zero[i] //= n
            self._zn[i] = 0
        return self._zero[i]

    def step(self, dt, sensed, inlet, vent):
        """One tick: the valves into inlet/vent; returns the pump duty. Once done, every
        chamber is vented: the first wave starts from empty chambers."""
        pump = self._step(dt, sensed, inlet, vent)
        if self.done:
            for i in range(self.chambers):
                inlet[i] = 0
                vent[i] = 1
            return 0
        return pump

    def _step(self, dt, sensed, inlet, vent):
        k = self._k
        t = self._t
        self._t = t + dt
        for i in range(self.chambers):
            inlet[i] = 0
            vent[i] = 1 if i > k and not self._single else 0  # the ones still to come stay vented
        if k < 0:
            for i in range(self.chambers):
                vent[i] = 1
            if t >= _BASE_MS:
                self._zeroes()
                return 0
        for i in range(len(sensed)):
            if self._zn[i] or k < 0:  # still vented: its zero goes on
                self._zero[i] += sensed[i]
                self._zn[i] += 1
        if k < 0:
            return 0
        inlet[k] = 1
        z = self._zero[0 if self._single else k]
        if not self._single:
            self._f += (sensed[k] - self._f) >> 2
            if self._f - z >= self._rise:
                if t >= _LAG_MS:
                    return self._answered(k, t)
                return 0  # risen sooner (a small, stiff chamber): no more air, and see it stays
            allowed = self._first(_FIRST_MS) if k == 0 else self._allowed(_LEAST_MS)
            if t >= allowed and not self._halfway(self._f - z, t, allowed):
                return self._silence(k, self._f - z)
            return 100
        into = t % (_PULSE_MS + _EQUALISE_MS)
        if into < _PULSE_MS:
            return 100
        if into >= _PULSE_MS + _EQUALISE_MS - _READ_MS:
            self._sum += sensed[0]
            self._n += 1
        if into + dt >= _PULSE_MS + _EQUALISE_MS:  # the pulse's reading is in
            pulses = t // (_PULSE_MS + _EQUALISE_MS) + 1
            rise = (self._sum // self._n if self._n else z) - z
            self._sum = 0
            self._n = 0
            if rise >= self._rise:
                return self._answered(k, rise // pulses)
            # Pulses enough to rise half as much again as an answer at the least rise any
            # chamber gave per pulse.
            w = self._slowest
            allowed = (3 * self._rise + 2 * w - 1) // (2 * w) if w else self._first(_PULSES)
            least = self._first(2) if self._rise > _RISE_DMMHG else 1  # a noisy reading is no proof
            if allowed < least:
                allowed = least
            if pulses >= allowed and not self._halfway(rise, pulses, allowed):
                return self._silence(k, rise)
        return 0

    def _halfway(self, rise, took, allowed):
        """Two thirds of an answer in its time (a hose off or a sensor off shows none, noise
        seldom that much): as long again."""
        return 3 * rise >= 2 * self._rise and took < 2 * allowed

    def _first(self, allowed):
        """An allowance (ms or pulses), stretched by the square of what noise did to the
        answer: a noisy sensor needs more air to show one, and longer to show it."""
        r = self._rise
        return allowed * r * r // (_RISE_DMMHG * _RISE_DMMHG)

    def _allowed(self, least):
        more = self._slowest + (self._slowest >> 1)
        least = self._first(least)
        return more if more > least else least

    def _zeroes(self):
        """The first zeros are in: refuse, wait for a chamber still venting, or go on."""
        for i in range(len(self._zero)):
            z = self._zero[i] // (self._zn[i] or 1)
            if z < -limits.ZERO_DRIFT_DMMHG:
                self._refuse(faults.ZERO_OFFSET, i, z, -limits.ZERO_DRIFT_DMMHG)
                return
            if z >= limits.VENTED_DMMHG:
                if self._waited >= _WAIT_MS:
                    self._refuse(faults.VENT_TIMEOUT, i, z, limits.VENTED_DMMHG)
                else:
                    self._waited += _BASE_MS
                    self._next(-1)
                return
        if self._single:
            self._mean(0)
        self._next(0)

    def _answered(self, k, took):
        if self._single:
            if not self._slowest or took < self._slowest:
                self._slowest = took if took > 0 else 1
        elif took > self._slowest:
            self._slowest = took
        if self._silent >= 0:  # the first was silent, this one answered: that one's hose
            self._refuse(faults.GARMENT, self._silent, self.value, self._rise)
        elif k + 1 < self.chambers:
            self._next(k + 1)
        else:
            self.done = True  # every chamber answered
        return 0

    def _silence(self, k, rise):
        if k == 0 and self.chambers > 1:
            self._silent = 0  # the boot, or this chamber's hose? the next one tells
            self.value = rise
            self._next(1)
        elif self._silent >= 0 or self.chambers == 1:
            self._refuse(faults.NO_BOOT, -1, rise, self._rise)
        else:
            self._refuse(faults.GARMENT, k, rise, self._rise)
        return 0

    def _refuse(self, code, chamber, value, limit):
        self.fault = code
        self.chamber = chamber
        self.value = value
        self.limit = limit
        self.done = True
