# Helpers for the core tests. These tests run under CPython (pytest) and under the
# MicroPython unix port (host_tests/core/run.py), so: plain asserts, no pytest.
import os

import buttons
import controller
import faults
import scheduler

TICK = 25
PERIOD = 1 << 30  # the ESP32's ticks period
_HALF = PERIOD // 2


def ticks_diff(end, start):
    return ((end - start + _HALF) & (PERIOD - 1)) - _HALF


def board(chambers=4, topology="inlet+vent", hard_limit=2000):
    b = {"name": "test-%dch" % chambers, "chambers": chambers, "topology": topology,
         "hard_limit_dmmhg": hard_limit}
    if topology == "inlet+exhaust":
        b["sensor_at"] = "manifold"  # the single-sensor build
    return b


class Bench:
    """A controller on a virtual clock that starts just before the ticks wrap,
    with an ideal 'plant' that tests steer by hand."""

    def __init__(self, chambers=4, offset=0, answer=True, **kw):
        """answer: a chamber the garment check (probe.py) feeds reads 0.3 mmHg more each tick,
        so START gets past the check; False: no chamber answers it (the boot unplugged)."""
        self.ctrl = controller.Controller(board(chambers, **kw.pop("board_kw", {})), ticks_diff, **kw)
        self.now = PERIOD - 3000
        self.t = 0
        self.raw = [offset] * chambers  # sensor readings fed in, dmmHg incl. offset
        self.buttons = 0
        self.answer = answer

    def tick(self, n=1):
        ctrl = self.ctrl
        for _ in range(n):
            if self.answer and ctrl.checking and ctrl.pump:
                for i in range(len(self.raw)):
                    if ctrl.inlet[i]:
                        self.raw[0 if ctrl.single_sensor else i] += 3
            ctrl.step(self.now, self.raw, self.buttons)
            self.now = (self.now + TICK) & (PERIOD - 1)
            self.t += TICK

    def run_ms(self, ms):
        self.tick(ms // TICK)

    def press(self, bit, hold_ms=100):
        self.buttons |= 1 << bit
        self.run_ms(hold_ms)
        self.buttons &= ~(1 << bit)
        self.run_ms(100)

    def zeroed(self):
        self.run_ms(3600)  # three 1 s windows that agree, and a little
        assert self.ctrl.state == faults.IDLE, faults.STATE_NAMES[self.ctrl.state]
        return self

    def started(self):
        """Press START and run until the garment check is over."""
        self.press(buttons.START)
        for _ in range(400):
            if not self.ctrl.checking:
                break
            self.tick()
        assert not self.ctrl.checking and self.ctrl.state == faults.RUNNING, (self.ctrl.fault, self.ctrl.state)
        return self

    def chamber_modes(self):
        return list(self.ctrl.scheduler.mode)


class IdealPlant:
    """Integer toy plant for unit tests: an open inlet with the pump on adds
    `rate * duty / 100` dmmHg per tick, an open vent halves the pressure, and the
    sensor reports the pressure `lag` ticks late. Closed chambers lose `leak` per tick."""

    def __init__(self, bench, rate=6, lag=2, leak=0):
        self.bench = bench
        self.rate = rate
        self.lag = lag
        self.leak = leak
        n = bench.ctrl.chambers
        self.p = [0] * n
        self.peak = [0] * n
        self._delay = [[0] * n for _ in range(lag + 1)]

    def tick(self, n=1):
        b = self.bench
        ctrl = b.ctrl
        for _ in range(n):
            for i in range(ctrl.chambers):
                p = self.p[i]
                if ctrl.inlet[i] and ctrl.pump:
                    p += self.rate * ctrl.pump // 100
                elif ctrl.vent[i]:
                    p = p // 2
                elif p > 0:
                    p -= self.leak
                self.p[i] = p
                if p > self.peak[i]:
                    self.peak[i] = p
            self._delay.append(list(self.p))
            seen = self._delay.pop(0)
            for i in range(ctrl.chambers):
                b.raw[i] = seen[i]
            b.tick()

    def run_ms(self, ms):
        self.tick(ms // TICK)


VENT, HOLD, FILL = scheduler.VENT, scheduler.HOLD, scheduler.FILL


# ---- files for the settings tests --------------------------------------------------
_files = [0]
# Unique per run: MicroPython's os has no getpid, and two runs at once must not share files.
_RUN = os.getpid() if hasattr(os, "getpid") else int.from_bytes(os.urandom(4), "little")


_made = []  # paths fresh_path() gave out and remove_files() has not removed yet


def _remove(path):
    for suffix in ("", ".bak", ".tmp"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass


def fresh_path(kind):
    """A path under /tmp for a settings file of this run, with no file, .bak or .tmp there."""
    _files[0] += 1
    path = "/tmp/pulseboot-%s-%d-%d.json" % (kind, _RUN, _files[0])
    _remove(path)
    _made.append(path)
    return path


def remove_files():
    """Delete what fresh_path() named, with its .bak and .tmp: a test run leaves nothing in
    /tmp. Called after every test (conftest.py under pytest, run.py under MicroPython)."""
    while _made:
        _remove(_made.pop())


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Pwm:
    """A PWM output that keeps what it was last given (duty_u16, freq)."""

    def __init__(self):
        self.d = -1
        self.f = 0

    def duty_u16(self, d):
        self.d = d

    def freq(self, f):
        self.f = f
