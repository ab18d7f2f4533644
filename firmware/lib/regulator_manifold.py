# Regulator for the single-sensor build: one pressure sensor on the manifold, an inlet
# valve per chamber and one exhaust valve on the manifold (topology INLET_EXHAUST).
# A chamber's pressure can only be read while it alone is connected to the manifold and
# the pump is still: while air flows, the inlet valve's pressure drop makes the manifold
# read high. So a chamber is filled in pump pulses, each followed by a short pause in
# which manifold and chamber equalise and are read. Each pulse aims for most of the
# remaining rise, using the rise per second the last pulse gave (learned per chamber,
# kept from cycle to cycle, since a bladder stiffens as it fills). While air flows the
# chamber is always below the manifold, so a pulse also ends the moment the manifold
# reads the target: the chamber cannot pass it during a pulse. Near the target the pump
# slows, which shrinks the valve drop and the rise per tick. What overshoots is bled off
# through the exhaust. Held chambers are shut in and cannot be read (nor topped up).
from micropython import const

from scheduler import FILL, HOLD

_EQUALISE = const(0)  # pump off, client connected: wait, then read it
_PULSE = const(1)  # pump on into the client
_BLEED = const(2)  # client open to atmosphere through the exhaust


# Tunables as constants (a class attribute costs RAM on the chip).
_EQUALISE_MS = const(150)  # manifold settles with the chamber in a few ms; the sensor lags ~50 ms
_AVERAGE_MS = const(75)  # the end of each equalise window is averaged: one reading is too noisy
_PULSE_MIN_MS = const(50)
_PULSE_MAX_MS = const(3000)
_APPROACH_PCT = const(70)  # aim each pulse at this share of what is left, to come in from below
_SLOW_BAND = const(150)  # dmmHg below target where pulses run the pump at _SLOW_DUTY
_SLOW_DUTY = const(50)
_GAIN_START = const(50)  # dmmHg per second of pulse, a cautious first guess (learned after one pulse)
_BLEED_START = const(200)  # dmmHg per second of bleed, first guess
# A limb creeps away from a bladder for seconds after a fill (tau ~4 s) and a held chamber
# cannot be read: a chamber counts as reached only once its readings have been in the band
# this long (a pulse between them makes up what the limb took), so most of the creep is made
# up before it is shut in. A fill that took longer than the creep has let the limb settle
# under it (and the fill's time limit is near): it needs no more.
_STILL_MS = const(600)
_CREPT_MS = const(15000)


class ManifoldRegulator:
    tolerance = 10  # dmmHg either side of target counts as reached

    def __init__(self, chambers):
        n = chambers
        self.chambers = n
        self.pump = 0
        self.inlet = [0] * n
        self.vent = [1] * n
        self.reached = [0] * n
        self.pressure = [0] * n  # each chamber's pressure when last read, dmmHg
        self.gain = [_GAIN_START] * n
        self.bleed = [_BLEED_START] * n
        self._client = -1
        self._phase = _EQUALISE
        self._timer = 0
        self._from = 0  # what the pulse or bleed started from
        self._length = 0  # ms the last pulse or bleed lasted
        self._measuring = -1  # phase the current equalise follows, or -1 for a fresh client
        self._open_ms = 0  # how long the venting chambers have shared the manifold
        self._still = 0  # ms of the client's readings in the band
        self._served = 0  # ms the client has been served
        self._sum = 0  # readings summed at the end of the equalise window
        self._count = 0

    def step(self, dt, mode, target, manifold):
        client = -1
        for i in range(self.chambers):
            if mode[i] == FILL and not self.reached[i]:
                client = i
                break
        if client != self._client:
            self._client = client
            self._still = 0
            self._served = 0
            self._settle(-1)
        if client < 0:
            self._vent_and_hold(dt, mode, manifold)
            return
        self._open_ms = 0
        for i in range(self.chambers):
            self.inlet[i] = 0
            self.vent[i] = 0
            if mode[i] != FILL and mode[i] != HOLD:
                self.reached[i] = 0
        self._serve(client, dt, target[client], manifold)

    def _serve(self, k, dt, target, manifold):
        phase = self._phase
        self._timer -= dt
        self._served += dt
        if phase != _EQUALISE:
            self._length += dt
        if phase == _PULSE:
            self.inlet[k] = 1
            if self._timer > 0 and manifold < target:
                return
            self._settle(_PULSE)
        elif phase == _BLEED:
            self.vent[k] = 1
            self.pump = 0
            if self._timer > 0:
                return
            self._settle(_BLEED)
        self.inlet[k] = 1
        self.vent[k] = 0
        self.pump = 0
        if self._phase != _EQUALISE:
            return
        if self._timer < _AVERAGE_MS:
            self._sum += manifold
            self._count += 1
        if self._timer > 0:
            return
        manifold = self._sum // self._count if self._count else manifold
        self._sum = 0
        self._count = 0
        self.pressure[k] = manifold
        self._learn(k, manifold)
        error = target - manifold
        if -self.tolerance <= error <= self.tolerance:
            self._still += _EQUALISE_MS
            if self._still >= _STILL_MS or self._served >= _CREPT_MS:
                self.reached[k] = 1
                self.inlet[k] = 0
            else:
                self._settle(-1)  # read it again: is the limb still giving way under it?
            return
        self._from = manifold
        if error > 0:
            self._start(_PULSE, error * _APPROACH_PCT * 10 // self.gain[k], _PULSE_MAX_MS)
            self.inlet[k] = 1
            self.pump = _SLOW_DUTY if error < _SLOW_BAND else 100
        else:
            self._start(_BLEED, -error * _APPROACH_PCT * 10 // self.bleed[k], 1000)
            self.inlet[k] = 0
            self.vent[k] = 1

    def _start(self, phase, length, longest):
        length = _PULSE_MIN_MS if length < _PULSE_MIN_MS else (longest if length > longest else length)
        self._phase = phase
        self._timer = length
        self._length = 0  # counts up: a pulse may end early


    def _settle(self, after):
        self._phase = _EQUALISE
        self._timer = _EQUALISE_MS
        self._measuring = after
        self._sum = 0
        self._count = 0

    def _learn(self, k, p):
        # The latest pulse's figure: the bladder stiffens as it fills, so the newest
        # rate is the best guess for the next, stiffer, step.
        moved = p - self._from if self._measuring == _PULSE else self._from - p
        if self._measuring < 0 or moved <= 0 or self._length <= 0:
            return
        rate = moved * 1000 // self._length
        if self._measuring == _PULSE:
            self.gain[k] = rate or 1
        else:
            self.bleed[k] = rate or 1

    def _vent_and_hold(self, dt, mode, manifold):
        # Nothing to fill: every chamber not held opens to atmosphere through the exhaust.
        self.pump = 0
        venting = 0
        for i in range(self.chambers):
            self.inlet[i] = 0
            if mode[i] == HOLD:
                self.vent[i] = 0
            else:
                self.vent[i] = 1
                self.reached[i] = 0
                venting += 1
        if not venting:
            self._open_ms = 0
            return
        self._open_ms += dt
        if self._open_ms >= _EQUALISE_MS:
            self._open_ms = _EQUALISE_MS
            self.read_all_open(manifold)

    def read_all_open(self, manifold):
        """Every chamber open to the manifold reads what the manifold reads."""
        for i in range(self.chambers):
            if self.vent[i]:
                self.pressure[i] = manifold

    def reset(self):
        self._client = -1
        self._open_ms = 0
        self.pump = 0
        for i in range(self.chambers):
            self.reached[i] = 0
            self.inlet[i] = 0
            self.vent[i] = 1
