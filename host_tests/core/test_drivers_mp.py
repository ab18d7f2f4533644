# Driver tests with tiny fake pins, for CPython (pytest) and the MicroPython unix port
# (host_tests/core/run.py): plain asserts. Under MicroPython every per-tick driver call
# also runs under heap_lock(), so "allocates nothing" is checked for real there.
import os
import time

import micropython

import crashlog
import faults
import hx710b
from analog_sensor import AnalogSensor
from device import ButtonsIO, Pump
from faults import FAULT, IDLE, PAUSED, RUNNING, ZEROING
from led import Led
from support import Pwm
from valves import Valves
from valves_595 import ShiftValves


class Pin:
    def __init__(self, level=0):
        self.level = level

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = v
        return None


class Clock(Pin):
    """A clock line: each rising edge clocks every chip on it."""

    def __init__(self, chips):
        Pin.__init__(self)
        self.chips = chips
        self.rising = 0

    def value(self, v=None):
        if v is None:
            return self.level
        if v and not self.level:
            self.rising += 1
            for c in self.chips:
                c.edge()
        self.level = v
        return None


class Chip:
    """An HX710B's DOUT: low when a word waits, then its bits MSB first."""

    def __init__(self):
        self.word = 0
        self.waiting = False
        self.n = 0
        self.out = 1

    def convert(self, counts):
        self.word = counts & 0xFFFFFF
        self.waiting = True
        self.n = 0

    def edge(self):
        if self.n == 0 and not self.waiting:
            return  # clocked while converting: ignored
        self.n += 1
        self.out = (self.word >> (24 - self.n)) & 1 if self.n <= 24 else 1
        if self.n == 24:
            self.waiting = False  # the word is out; pulses 25-27 only pick the mode

    def value(self, v=None):
        if self.n and self.n <= 24:
            return self.out
        return 0 if self.waiting else 1


def locked_read(drv, out):
    micropython.heap_lock()
    try:
        return drv.read(out)
    finally:
        micropython.heap_unlock()


def test_hx710b_shared_clock_decodes_signed_words_without_allocating():
    chips = [Chip(), Chip(), Chip()]
    clock = Clock(chips)
    drv = hx710b.HX710B(clock, chips, 100000)
    out = [0, 0, 0]
    assert locked_read(drv, out) == 0 and out == [faults.NO_READING] * 3 and clock.rising == 0
    chips[0].convert(1234560)  # 123.456 dmmHg -> 123
    chips[1].convert(-50)  # rounds to 0 counts of pressure... but not a zero word
    chips[2].convert(-999950)  # -99.995 -> -100 (rounded half up)
    assert locked_read(drv, out) == 3
    assert out == [123, 0, -100], out
    assert clock.rising == 27  # 24 bits + 3: 40 Hz mode, one read for all three
    assert drv.counts == [1234560, -50, -999950]


def test_hx710b_out_of_range_and_stuck_low():
    chips = [Chip(), Chip()]
    drv = hx710b.HX710B(Clock(chips), chips, 100000)
    chips[0].convert(0x7FFFFF)
    chips[1].convert(-0x800000)
    out = [0, 0]
    drv.read(out)
    assert out == [hx710b.OVER_RANGE, hx710b.UNDER_RANGE]
    chips[0].convert(0)
    chips[1].convert(0)
    drv.read(out)
    assert out == [faults.NO_READING, faults.NO_READING]


def locked_write(v, inlet, vent):
    micropython.heap_lock()
    try:
        v.write(inlet, vent, 25)
    finally:
        micropython.heap_unlock()


def test_valves_map_levels_force_max_on_time_and_allocate_nothing():
    inlets = [Pin(), Pin()]
    vents = [Pin(), Pin()]
    v = Valves(inlets, vents, 1, True, 50, 0)
    assert [p.level for p in inlets + vents] == [0, 0, 0, 0] and v.is_safe()
    locked_write(v, [1, 0], [0, 1])
    assert [p.level for p in inlets + vents] == [1, 0, 1, 0]
    locked_write(v, [1, 0], [0, 1])
    locked_write(v, [1, 0], [0, 1])  # 75 ms > 50: inlet 0 forced shut
    assert [p.level for p in inlets + vents] == [0, 0, 1, 0] and v.forced == 1
    v.safe()
    assert [p.level for p in inlets + vents] == [0, 0, 0, 0] and v.is_safe()


def test_shift_valves_latch_the_pattern_and_allocate_nothing():
    seen = []

    class Latch(Pin):
        def value(self, v=None):
            if v:
                seen.append(shift[0])
            return Pin.value(self, v)

    shift = [0]

    class Clk(Pin):
        def value(self, v=None):
            if v and not self.level:
                shift[0] = ((shift[0] << 1) | data.level) & 0xFFFF
            return Pin.value(self, v)

    data = Pin()
    enable = Pin(1)
    v = ShiftValves(data, Clk(), Latch(), enable, (0, 1), (8, 9))
    assert seen == [0] and enable.level == 0  # safe pattern (all off) latched, then enabled
    locked_write(v, [0, 1], [0, 1])
    assert seen[-1] == (1 << 1) | (1 << 8), bin(seen[-1])  # inlet 1 open, vent 0 shut (energised)
    n = len(seen)
    locked_write(v, [0, 1], [0, 1])
    assert len(seen) == n  # unchanged pattern: nothing shifted


def test_pump_buttons_led_and_analog_allocate_nothing_per_tick():
    pwm = Pwm()
    pump = Pump(pwm, 20000)
    pins = [Pin(1), Pin(0), Pin(1), Pin(0)]
    buttons = ButtonsIO(pins, 0)
    led_pin = Pin()
    led = Led(led_pin.value)
    states = (ZEROING, IDLE, RUNNING, PAUSED)  # built before the lock: a tuple is an allocation

    class Adc:
        def read_u16(self):
            return 30000

    analog = AnalogSensor([Adc()], (10000, 0, 50000, 2000))
    out = [0]
    micropython.heap_lock()
    try:
        pump.set(55)
        mask = buttons.read()
        for state in states:
            led.update(25, state, 0)
            led.update(25, state, 0)
        led.update(25, FAULT, 3)
        led.update(25, FAULT, 3)
        analog.read(out)
    finally:
        micropython.heap_unlock()
    assert pwm.d == 55 * 65535 // 100 and pwm.f == 20000
    assert mask == 0b1010
    assert out == [1000]
    assert led_pin.level == led.level == 1  # fault 3: first flash on


_made = [0]


def scratch_path(name):
    """A file name in /tmp no other run (or test) uses: no tempfile module in MicroPython."""
    _made[0] += 1
    pid = os.getpid() if hasattr(os, "getpid") else 0  # the unix port has none
    return "/tmp/pulseboot_%s_%d_%d_%d" % (name, pid, time.time_ns(), _made[0])


def test_crash_log_is_bounded():
    path = scratch_path("crash.log")
    try:
        for i in range(60):
            crashlog.append(path, "%d ms ValueError: number %d" % (i, i), 256)
        text = crashlog.read(path)
        assert len(text) <= 256
        assert text.splitlines()[-1] == "59 ms ValueError: number 59"
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
