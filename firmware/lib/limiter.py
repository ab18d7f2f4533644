# The safety limiter: runs every tick after the scheduler and regulator, may
# override every output, and latches. It keeps its own timers and trusts nothing
# but the pressures, the commanded outputs and the limits table.
from array import array

from micropython import const

import faults
import limits
from scheduler import FILL, HOLD, VENT

# The safe state's values only (main.py drops the module after start-up): see safe_state.py.
from safe_state import INLET as _SAFE_INLET, PUMP as _SAFE_PUMP, VENT as _SAFE_VENT

_FILTER_SHIFT = const(3)  # pressure filter for the leak check: noise must not look like a leak


class Limiter:
    def __init__(self, hard_limit, pressure, sensed, stale_ms, peak, mode, reached, inlet, vent,
                 shared_exhaust=False):
        """The lists are the core's own, kept and read in place every tick, so check() takes
        only what is a fresh scalar each tick. Per chamber: pressure (dmmHg), peak (this
        cycle's target), mode (the scheduler's), reached (the regulator's), inlet and vent
        (the outputs). Per sensor: sensed (zeroed readings; the pressure list itself when
        each chamber has a sensor) and stale_ms (time since each last answered)."""
        chambers = len(pressure)
        self._pressure = pressure
        self._sensed = sensed
        self._stale_ms = stale_ms
        self._peak = peak
        self._mode = mode
        self._reached = reached
        self._inlet = inlet
        self._vent = vent
        self.vent_timeout_ms = (limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * chambers if shared_exhaust
                                else limits.VENT_TIMEOUT_MS)
        # A board may lower the ceiling, never raise it.
        self.hard_limit = hard_limit if hard_limit < limits.HARD_LIMIT_DMMHG else limits.HARD_LIMIT_DMMHG
        self.fill_timeout_ms = limits.FILL_TIMEOUT_MS
        self.fault = faults.NONE
        self.fault_chamber = -1  # which chamber tripped, -1 for none or the pump
        # Packed arrays (a list spends a machine word on each entry); timers saturate at
        # 0x3FFFFFFF and filtered pressures stay far below 2**31.
        zeros = bytes(4 * chambers)
        self._fill_ms = array("i", zeros)
        self._vent_ms = array("i", zeros)
        self._pump_ms = 0
        self._smooth = array("i", zeros)  # filtered pressure << _FILTER_SHIFT
        self._held_ms = array("i", zeros)  # time isolated in the current leak window
        self._held_from = array("i", zeros)  # filtered pressure when the window opened
        self._sensor_smooth = array("i", bytes(4 * len(sensed)))  # filtered readings << _FILTER_SHIFT
        self._feed_ms = array("i", zeros)  # pump time into the chamber since its reading last rose
        self._feed_from = array("i", zeros)  # filtered reading when that window opened
        self._unfed_ms = array("i", zeros)  # time since the pump last fed it

    def check(self, dt, pump):
        """Trip (and latch) on the first broken limit; returns the latched fault code.
        dt: ms since the last check; pump: the duty commanded this tick."""
        if self.fault:
            return self.fault
        sensed = self._sensed
        stale_ms = self._stale_ms
        smooth = self._sensor_smooth
        sensors = len(sensed)
        for i in range(sensors):
            p = sensed[i]
            if stale_ms[i] > limits.SENSOR_STALE_MS or p < limits.SENSOR_MIN_DMMHG or p > limits.SENSOR_MAX_DMMHG:
                return self.trip(faults.SENSOR, i)
            if p > self.hard_limit:
                return self.trip(faults.HARD_LIMIT, i)
            smooth[i] += ((p << _FILTER_SHIFT) - smooth[i]) >> _FILTER_SHIFT
        pressure = self._pressure
        peak = self._peak
        mode = self._mode
        reached = self._reached
        inlet = self._inlet
        vent = self._vent
        chambers = len(pressure)
        own = sensors == chambers  # a sensor per chamber, or the manifold's one for all
        for i in range(chambers):
            p = pressure[i]
            if p > self.hard_limit:
                return self.trip(faults.HARD_LIMIT, i)
            m = mode[i]
            # A venting chamber is falling from its own earlier target; the ceiling
            # and the vent timeout watch it instead.
            if m != VENT and p > peak[i] + limits.TRIP_MARGIN_DMMHG:
                return self.trip(faults.OVERPRESSURE, i)
            if m == FILL and not reached[i]:
                self._fill_ms[i] = _add(self._fill_ms[i], dt)
                if self._fill_ms[i] > self.fill_timeout_ms:
                    return self.trip(faults.FILL_TIMEOUT, i)
            else:
                self._fill_ms[i] = 0
            if vent[i] and p >= limits.VENTED_DMMHG:
                self._vent_ms[i] = _add(self._vent_ms[i], dt)
                if self._vent_ms[i] > self.vent_timeout_ms:
                    return self.trip(faults.VENT_TIMEOUT, i)
            else:
                self._vent_ms[i] = 0
            if self._leaking(i, dt, p, m == HOLD and not inlet[i]):
                return self.trip(faults.LEAK, i)
            # The reading that shows chamber i while it is fed: its own sensor, or the manifold's.
            seen = smooth[i if own else 0]
            if self._not_rising(i, dt, seen, m != VENT and inlet[i] and pump):
                return self.trip(faults.NO_RISE, i)
        if pump:
            self._pump_ms = _add(self._pump_ms, dt)
            if self._pump_ms > limits.PUMP_MAX_ON_MS:
                return self.trip(faults.PUMP_RUN, -1)
        else:
            self._pump_ms = 0
        return faults.NONE

    def _leaking(self, i, dt, p, isolated):
        s = self._smooth[i]
        s += ((p << _FILTER_SHIFT) - s) >> _FILTER_SHIFT
        self._smooth[i] = s
        if not isolated:
            self._held_ms[i] = 0
            return False
        if self._held_ms[i] == 0:
            self._held_from[i] = s
        self._held_ms[i] += dt
        if self._held_ms[i] < limits.LEAK_WINDOW_MS:
            return False
        self._held_ms[i] = 0
        return self._held_from[i] - s > limits.LEAK_DROP_DMMHG << _FILTER_SHIFT

    def _not_rising(self, i, dt, seen, fed):
        if not fed:
            # Short pauses (the single-sensor build reads between pump pulses) keep the
            # window open; a long one closes it, so far-apart top-ups are judged afresh.
            self._unfed_ms[i] = _add(self._unfed_ms[i], dt)
            if self._unfed_ms[i] > limits.NO_RISE_MS:
                self._feed_ms[i] = 0
            return False
        self._unfed_ms[i] = 0
        if self._feed_ms[i] == 0 or seen - self._feed_from[i] >= limits.NO_RISE_DMMHG << _FILTER_SHIFT:
            self._feed_from[i] = seen  # (re)open the window: it rose, or feeding just began
            self._feed_ms[i] = dt if dt > 0 else 1
            return False
        if seen < self._feed_from[i]:
            # Rise is judged from the lowest reading: the manifold reads high while air flows
            # fast and lower as the pump slows, which is no sign of a stuck sensor.
            self._feed_from[i] = seen
        self._feed_ms[i] = _add(self._feed_ms[i], dt)
        return self._feed_ms[i] > limits.NO_RISE_MS

    def check_sensors(self):
        """Before zeroing only the sensor itself can be judged."""
        if self.fault:
            return self.fault
        stale_ms = self._stale_ms
        for i in range(len(stale_ms)):
            if stale_ms[i] > limits.SENSOR_STALE_MS:
                return self.trip(faults.SENSOR, i)
        return faults.NONE

    def trip(self, code, chamber):
        if not self.fault:
            self.fault = code
            self.fault_chamber = chamber
        return self.fault

    def force_safe(self):
        """The safe state in the core's own outputs: every chamber open to atmosphere, none
        fed. Returns the pump's safe duty (the pump is a scalar the controller owns)."""
        inlet = self._inlet
        vent = self._vent
        for i in range(len(inlet)):
            inlet[i] = _SAFE_INLET
            vent[i] = _SAFE_VENT
        return _SAFE_PUMP

    def clear(self):
        """Only an explicit user act calls this."""
        self.fault = faults.NONE
        self.fault_chamber = -1
        self._pump_ms = 0
        for i in range(len(self._fill_ms)):
            self._fill_ms[i] = 0
            self._vent_ms[i] = 0
            self._held_ms[i] = 0
            self._feed_ms[i] = 0
            self._unfed_ms[i] = 0


def _add(total, dt):
    # Saturate: a timer must never grow into a heap-allocated big integer.
    total += dt
    return total if total < 0x3FFFFFFF else 0x3FFFFFFF
