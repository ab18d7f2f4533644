# One board's drivers as the control loop uses them, once per tick and without
# allocating: the Device bundles them for main.py; wiring.py builds it from the board file.
# The pump and the buttons' pins, the two smallest, live here too (a module of their own
# costs RAM for its name and globals on the chip); valves, sensors and the LED have theirs.
from micropython import const

import limits
from faults import NO_READING
from safe_state import PUMP as _SAFE_PUMP  # the value only: main.py drops safe_state after start-up

_FULL = const(65535)


# Air pump on a PWM pin through a low-side MOSFET (flyback diode across the motor).
# The duty the core asks for, 0-100 %, becomes a 16-bit PWM duty. Pin high = motor on;
# a pull-down on the gate keeps the motor off from reset until this runs.
#
# Its own maximum on-time, beneath the limiter (limits.PUMP_LEASE_MS): every command that runs
# the pump re-arms a one-shot timer, and the timer turns the pump off unless the control loop
# commands it again in time. A hung loop stops pumping within the lease, not at the watchdog's
# reset. (The ESP32's timer callbacks are scheduled, run between bytecodes: a loop stuck in
# Python code is caught here; one stuck inside a C call is left to the watchdog.)
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


# The four button pins -> the raw bitmask the core's debouncer (buttons.py) wants:
# bit i set = button i pressed, in buttons.NAMES order (start, mode, up, down).
# Buttons short the pin to ground against a pull-up, so pressed = low (`active`).
# Polled once per tick; optionally each pin also gets an edge interrupt whose handler
# only latches that button's bit, so a press that starts and ends between two polls
# is still seen for one tick (the debouncer then decides whether it was a press).
class ButtonsIO:
    def __init__(self, pins, active=0, trigger=None):
        """pins: Pin objects (inputs, pull set by the caller) in bit order.
        trigger: e.g. Pin.IRQ_FALLING to latch presses by interrupt; None = polled only."""
        self._value = [p.value for p in pins]
        self._active = 1 if active else 0
        self._latched = 0  # bits set by interrupt since the last read
        if trigger is not None:
            for i in range(len(pins)):
                pins[i].irq(handler=self._handler(1 << i), trigger=trigger)

    def _handler(self, bit):
        def on_edge(_pin):
            # Interrupt context: set a bit, nothing else (no allocation, no I/O).
            self._latched |= bit

        return on_edge

    def read(self):
        mask = 0
        active = self._active
        value = self._value
        for i in range(len(value)):
            if value[i]() == active:
                mask |= 1 << i
        mask |= self._latched
        self._latched = 0
        return mask


class Device:
    def __init__(self, pump, valves, sensors, buttons, led):
        self.pump = pump
        self.valves = valves
        self.sensors = sensors
        self.buttons = buttons
        self.led = led
        self.chambers = valves.chambers
        self.readings = [NO_READING] * sensors.count

    def read_sensors(self):
        self.sensors.read(self.readings)
        return self.readings

    def write(self, pump, inlet, vent, dt):
        # Air path before the pump when it starts, pump before the air path when it stops:
        # the pump never runs against a closed manifold longer than needed.
        if pump:
            self.valves.write(inlet, vent, dt)
            self.pump.set(pump)
        else:
            self.pump.set(0)
            self.valves.write(inlet, vent, dt)

    def safe(self):
        """The safe state (safe_state.py): pump off, then every chamber open to atmosphere
        and none fed. main.py's one way there, from every way out of the loop."""
        self.pump.off()
        self.valves.safe()

    def is_safe(self):
        return self.pump.duty == _SAFE_PUMP and self.valves.is_safe()
