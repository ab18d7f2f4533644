# Air pump on a PWM pin through a low-side MOSFET (flyback diode across the motor).
# The duty the core asks for, 0-100 %, becomes a 16-bit PWM duty. Pin high = motor on;
# a pull-down on the gate keeps the motor off from reset until this runs.
from micropython import const

_FULL = const(65535)


class Pump:
    freq_hz = 20000  # above hearing, still easy on a logic-level MOSFET's gate charge

    def __init__(self, pwm, freq_hz=0):
        self._pwm = pwm
        pwm.duty_u16(0)
        pwm.freq(freq_hz or self.freq_hz)
        self.duty = 0  # what the motor is getting now, %

    def set(self, duty):
        if duty <= 0:
            duty = 0
        elif duty > 100:
            duty = 100
        if duty != self.duty:
            self._pwm.duty_u16(duty * _FULL // 100)  # < 2**23: stays a small int
            self.duty = duty

    def off(self):
        # Written unconditionally: off() is the safe path and must not trust the cache.
        self._pwm.duty_u16(0)
        self.duty = 0
