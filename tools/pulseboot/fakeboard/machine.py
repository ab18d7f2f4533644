"""The fake `machine`, `time` and `neopixel` modules of a fakes.World: what the unmodified
firmware imports in place of the real ones. Pin, PWM, ADC and WDT act on the World's pin
states and parts; time's sleep functions are where the World's virtual time passes.

MicroPython-compatible, like the rest of fakeboard/ (see world.py).
"""

import time as _host_time  # the real one: imported before any fake is installed

from .clock import TICKS_MAX, ticks_add, ticks_diff

try:
    from types import ModuleType as _ModuleBase
except ImportError:  # MicroPython cannot make module objects; any object will do in sys.modules
    _ModuleBase = object

_U16 = 65535


class StopSimulation(BaseException):
    """Virtual time is up. A BaseException, so firmware `except Exception` lets it pass."""


class MachineReset(BaseException):
    """machine.reset(), a watchdog bite or a power cut; `cause` is 'reset', 'soft', 'wdt' or 'power'."""

    def __init__(self, cause):
        super().__init__(cause)
        self.cause = cause


class FakePinError(Exception):
    """Firmware did something the real pin would not do (e.g. drive an input)."""


class _Module(_ModuleBase):
    """A module object (CPython) or a plain object standing in for one (MicroPython)."""

    def __init__(self, name, fallback=None):
        if _ModuleBase is object:
            self.__name__ = name
        else:
            _ModuleBase.__init__(self, name)
        self._fallback = fallback

    def __getattr__(self, name):  # only for names not set on the fake
        if self._fallback is None:
            raise AttributeError(name)
        return getattr(self._fallback, name)


def make_machine(world):
    m = _Module("machine")
    m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET, m.DEEPSLEEP_RESET, m.SOFT_RESET = 1, 2, 3, 4, 5

    class Pin:
        IN, OUT, OPEN_DRAIN = 1, 3, 7
        PULL_UP, PULL_DOWN = 1, 2
        IRQ_RISING, IRQ_FALLING = 1, 2

        def __init__(self, pin_id, mode=-1, pull=-1, *, value=None, **_kw):
            self.id = pin_id
            self._s = world.pin(pin_id)
            self.init(mode, pull, value=value)

        def init(self, mode=-1, pull=-1, *, value=None, **_kw):
            s = self._s
            if mode != -1:
                s.mode = mode
            if pull == Pin.PULL_UP and s.source is None and s.mode == Pin.IN:
                s.level = 1
            # value is bound per mode, so a driver's cached pin.value costs one call: an
            # output drives its PinState (or the part behind it), a driven input reads its
            # source (driving one raises TypeError there, FakePinError elsewhere).
            if s.mode == Pin.OUT or s.mode == Pin.OPEN_DRAIN:
                self.value = s.writer or s.write
            elif s.mode == Pin.IN and s.source is not None:
                self.value = s.source
            else:
                self.value = self._value
            if value is not None:
                self.value(value)

        def _value(self, v=None):
            s = self._s
            if v is None:
                return s.read()
            raise FakePinError("Pin(%r).value(%r): the pin is not an output" % (self.id, v))

        def __call__(self, v=None):
            return self.value() if v is None else self.value(v)

        def on(self):
            self.value(1)

        def off(self):
            self.value(0)

        def irq(self, handler=None, trigger=3, hard=False):
            s = self._s
            s.irq = (handler, trigger, self)
            s.irq_level = s.read()
            if s not in world._irq:
                world._irq.append(s)

    class PWM:
        def __init__(self, dest, *, freq=None, duty_u16=None, duty=None, duty_ns=None, invert=False):
            self.id = dest.id if isinstance(dest, Pin) else dest
            self.freq_hz = freq or 5000
            # The ESP32 port starts a PWM made without a duty at 50 %: model it, so a
            # driver that forgets shows a pump pulse instead of hiding it.
            self.duty_u16_value = 32768 if duty_u16 is None and duty is None else (duty_u16 or (duty or 0) * 64)
            self.running = True
            world.pwms[self.id] = self

        def freq(self, hz=None):
            if hz is None:
                return self.freq_hz
            self.freq_hz = int(hz)
            return None

        def duty_u16(self, v=None):
            if v is None:
                return self.duty_u16_value
            if not 0 <= v <= _U16:
                raise ValueError("duty_u16 must be 0-65535")
            self.duty_u16_value = int(v)
            return None

        def duty(self, v=None):
            if v is None:
                return self.duty_u16_value >> 6
            self.duty_u16(int(v) * 64)
            return None

        def deinit(self):
            self.running = False

    class ADC:
        ATTN_0DB, ATTN_2_5DB, ATTN_6DB, ATTN_11DB = 0, 1, 2, 3

        def __init__(self, dest, *, atten=None):
            self.id = dest.id if isinstance(dest, Pin) else dest
            self.attenuation = atten

        def atten(self, a):
            self.attenuation = a

        def read_u16(self):
            source = world.adcs.get(self.id)
            return source() if source is not None else 0

    class WDT:
        def __init__(self, id=0, timeout=5000):
            self.timeout = int(timeout)
            self.feeds = 0
            self.expired = False
            self.last_feed_ms = world.clock.elapsed_ms
            world.wdt = self

        def feed(self):
            self.feeds += 1
            self.last_feed_ms = world.clock.elapsed_ms

    class Timer:
        """A hardware timer: its callback runs (from World.advance) when virtual time reaches
        its deadline, once (ONE_SHOT) or every period (PERIODIC); init() re-arms it."""
        ONE_SHOT, PERIODIC = 0, 1

        def __init__(self, id=-1, **kw):
            self.id = id
            self.mode = Timer.PERIODIC
            self.period = -1
            self.callback = None
            self.deadline = None  # elapsed ms of the next firing; None: stopped
            self.fired = 0
            if kw:
                self.init(**kw)

        def init(self, *, mode=1, period=-1, freq=-1, callback=None, hard=False):
            if freq > 0:
                period = 1000 // freq
            self.mode = mode
            self.period = int(period)
            self.callback = callback
            self.deadline = world.clock.elapsed_ms + max(self.period, 0)
            world.arm(self)

        def deinit(self):
            self.deadline = None
            world.arm(self)

        def fire(self):
            """The deadline is reached: the callback runs, a periodic timer goes round again."""
            self.fired += 1
            if self.mode == Timer.PERIODIC and self.period > 0:
                self.deadline += self.period
            else:
                self.deadline = None
            world.arm(self)
            if self.callback is not None:
                self.callback(self)

    def reset():
        raise MachineReset("reset")

    def soft_reset():
        raise MachineReset("soft")

    m.Pin, m.PWM, m.ADC, m.WDT, m.Timer = Pin, PWM, ADC, WDT, Timer
    m.reset, m.soft_reset = reset, soft_reset
    m.reset_cause = lambda: m.PWRON_RESET
    m.unique_id = lambda: b"\x24\x0a\xc4\x00\x5b\x01"
    m.freq = lambda hz=None: 240000000 if hz is None else None
    m.disable_irq = lambda: 0
    m.enable_irq = lambda state=0: None
    m.idle = lambda: None
    return m


try:  # CPython: ticks_ms() is one C call reading clock.ticks

    from operator import attrgetter as _attrgetter
    from types import MethodType as _MethodType

    def _ticks_reader(clock):
        return _MethodType(_attrgetter("ticks"), clock)
except ImportError:  # MicroPython
    def _ticks_reader(clock):
        return clock.ticks_ms


def make_time(world):
    # Anything MicroPython's time has that is not faked here (time(), localtime() ...)
    # comes from the host's time module.
    t = _Module("time", _host_time)
    clock = world.clock
    t.ticks_ms = _ticks_reader(clock)
    t.ticks_add = ticks_add
    t.ticks_diff = ticks_diff
    t.ticks_us = lambda: (clock.elapsed_ms * 1000 + world._us) & TICKS_MAX
    t.ticks_cpu = t.ticks_us
    t.sleep_ms = world.sleep_ms
    t.sleep_us = world.sleep_us
    t.sleep = lambda s: world.sleep_ms(int(s * 1000))
    return t


def make_neopixel(world):
    m = _Module("neopixel")

    class NeoPixel:
        def __init__(self, pin, n, bpp=3, timing=1):
            self.id = pin.id
            self.n = n
            self.buf = [(0,) * bpp for _ in range(n)]
            self.writes = 0
            world.pixels[self.id] = (0,) * bpp

        def __len__(self):
            return self.n

        def __setitem__(self, i, v):
            self.buf[i] = tuple(v)

        def __getitem__(self, i):
            return self.buf[i]

        def fill(self, v):
            for i in range(self.n):
                self.buf[i] = tuple(v)

        def write(self):
            self.writes += 1
            world.pixels[self.id] = self.buf[0]

    m.NeoPixel = NeoPixel
    return m
