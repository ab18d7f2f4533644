# The pump's own lease beneath the limiter, the trip log and the level-lowered notice: plain
# asserts for CPython (pytest) and the MicroPython unix port (host_tests/core/run.py), where
# heap_lock() makes "allocates nothing" real.
import os
import time

import micropython

import crashlog
import limits
from device import Pump
from support import Pwm




class Timer:
    """machine.Timer as the ESP32 port has it: init() (re)arms a one-shot, the callback gets
    the timer."""

    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self):
        self.armed = 0
        self.mode = -1
        self.period = -1
        self.callback = None

    def init(self, mode=PERIODIC, period=-1, callback=None):
        self.armed += 1
        self.mode = mode
        self.period = period
        self.callback = callback

    def expire(self):
        self.callback(self)


def test_the_pump_lease_is_renewed_by_every_command_that_runs_it_without_allocating():
    pwm = Pwm()
    timer = Timer()
    pump = Pump(pwm, 20000, timer)
    micropython.heap_lock()
    try:
        pump.set(70)
        pump.set(70)
        pump.set(0)  # off: nothing to lease
    finally:
        micropython.heap_unlock()
    assert timer.armed == 2
    assert timer.mode == Timer.ONE_SHOT and timer.period == limits.PUMP_LEASE_MS


def test_the_pump_lease_turns_the_pump_off_when_the_loop_stops_commanding_it():
    pwm = Pwm()
    timer = Timer()
    pump = Pump(pwm, 20000, timer)
    pump.set(100)
    assert pwm.d == 65535 and pump.duty == 100
    micropython.heap_lock()
    try:
        timer.expire()  # no command for PUMP_LEASE_MS: the timer runs out
    finally:
        micropython.heap_unlock()
    assert pwm.d == 0 and pump.duty == 0
    pump.set(100)  # the loop comes back: the pump runs again, leased again
    assert pwm.d == 65535 and timer.armed == 2


def test_the_lease_is_shorter_than_the_watchdog():
    assert 0 < limits.PUMP_LEASE_MS < limits.WDT_TIMEOUT_MS


class Limiter:
    def __init__(self, fault, chamber, value, limit, ms):
        self.fault = fault
        self.fault_chamber = chamber
        self.fault_value = value
        self.fault_limit = limit
        self.fault_ms = ms


class Ctrl:
    def __init__(self, fault=0, state=1, level=700, in_use=550, lim=None):
        self.fault = fault
        self.state = state
        self.level = level
        self.in_use = in_use
        self.limiter = lim

    def level_in_use(self):
        return self.in_use


class Led:
    def __init__(self):
        self.shown = None

    def show(self, pattern, ms, sound=0):
        self.shown = (pattern, ms)
        self.sound = sound


def test_a_trip_line_names_code_chamber_value_and_limit():
    assert crashlog.trip_line(17625, Limiter(1, 0, 441, 30, False)) == \
        "t=17625 SENSOR chamber=1 value=44.1mmHg limit=3.0mmHg"
    assert crashlog.trip_line(5, Limiter(9, 3, 1550, 1500, True)) == "t=5 NO_RISE chamber=4 value=1.550s limit=1.500s"
    assert crashlog.trip_line(0, Limiter(4, -1, 45025, 45000, True)) == \
        "t=0 PUMP_RUN chamber=- value=45.025s limit=45.000s"
    assert crashlog.trip_line(0, Limiter(7, 2, -45, -40, False)) == \
        "t=0 ZERO_OFFSET chamber=3 value=-4.5mmHg limit=-4.0mmHg"


def scratch_dir():
    pid = os.getpid() if hasattr(os, "getpid") else 0  # the unix port has none
    path = "/tmp/pulseboot_trips_%d_%d" % (pid, time.time_ns())
    os.mkdir(path)
    return path


def test_a_trip_is_kept_in_the_bounded_trip_log_once_and_the_level_notice_is_shown():
    root = scratch_dir()
    try:
        led = Led()
        ctrl = Ctrl(fault=3, lim=Limiter(3, 1, 612, 600, False))
        # A new fault: kept; the same fault seen again: not kept twice.
        assert crashlog.note(root, 1000, ctrl, led, 0, False) == (3, False)
        assert crashlog.note(root, 1025, ctrl, led, 3, False) == (3, False)
        for i in range(100):  # many trips: the log stays under its bound, newest last
            ctrl.fault = 0
            crashlog.note(root, 2000 + i, ctrl, led, 3, False)
            ctrl.fault = 3
            crashlog.note(root, 3000 + i, ctrl, led, 0, False)
        text = crashlog.read(root + crashlog.TRIP_LOG)
        lines = text.splitlines()
        assert len(text) <= crashlog.TRIP_LOG_BYTES
        assert lines[-1] == "t=3099 OVERPRESSURE chamber=2 value=61.2mmHg limit=60.0mmHg"
        assert all(line.startswith("t=") and line.endswith("limit=60.0mmHg") for line in lines)
        assert led.shown is None
        # Zeroed with the level lowered: said and shown; zeroed at the level chosen: nothing.
        ctrl = Ctrl(fault=0, state=1, level=700, in_use=550)
        assert crashlog.note(root, 3000, ctrl, led, 0, True) == (0, False)
        assert led.shown == (crashlog.LEVEL_LOWERED, crashlog.LEVEL_LOWERED_MS) and led.sound  # on the buzzer too
        assert crashlog.LEVEL_LOWERED_MS == 2 * sum(crashlog.LEVEL_LOWERED)
        led = Led()
        ctrl = Ctrl(fault=0, state=1, level=550, in_use=550)
        assert crashlog.note(root, 3000, ctrl, led, 0, True) == (0, False)
        assert led.shown is None
    finally:
        try:
            os.remove(root + crashlog.TRIP_LOG)
        except OSError:
            pass
        os.rmdir(root)
