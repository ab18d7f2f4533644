# Air pump on a PWM pin through a low-side MOSFET (flyback diode across the motor).
# The duty the core asks for, 0-100 %, becomes a 16-bit PWM duty. Pin high = motor on;
# a pull-down on the gate keeps the motor off from reset until this runs.
#
# Its own maximum on-time, beneath the limiter (limits.PUMP_LEASE_MS): every command that runs
# the pump re-arms a one-shot timer, and the timer turns the pump off unless the control loop
# commands it again in time. A hung loop stops pumping within the lease, not at the watchdog's
# reset. (The ESP32's timer callbacks are scheduled, run between bytecodes: a loop stuck in
# Python code is caught here; one stuck inside a C call is left to the watchdog.)
from micropython import const

import limits

_FULL = const(65535)


class Pump:
    freq_hz = 20000  # above hearing, still easy on a logic-level MOSFET's gate charge

    def __init__(self, pwm, freq_hz=0, timer=None):
        """timer: a machine.Timer for the lease (None: no lease, e.g. on a bench rig)."""
        self._pwm = pwm
        pwm.duty_u16(0)
        pwm.freq(freq_hz or self.freq_hz)
        self.duty = 0  # what the motor is getting now, %
        self._timer = timer
        self._expire = self.off  # bound once: a bound method made per tick would allocate

    def set(self, duty):
        if duty <= 0:
            duty = 0
        elif duty > 100:
            duty = 100
        if duty and self._timer is not None:
            self._timer.init(mode=self._timer.ONE_SHOT, period=limits.PUMP_LEASE_MS, callback=self._expire)
        if duty != self.duty:
            self._pwm.duty_u16(duty * _FULL // 100)  # < 2**23: stays a small int
            self.duty = duty

    def off(self, _timer=None):
        # Written unconditionally: off() is the safe path and must not trust the cache.
        # Also the lease's timer callback (it passes the timer).
        self._pwm.duty_u16(0)
        self.duty = 0
