"""Host stand-ins for MicroPython's `machine`, `time` and `neopixel`, backed by the plant.

A World holds one virtual board: its pins, the simulated plant and the virtual clock.
`world.machine`, `world.time` and `world.neopixel` are module objects that the
unmodified firmware imports in place of the real ones (see sil.py). Outputs are read
back at the pin level, so the plant sees what the drivers really drove:

* HX710B modules answer on their DOUT pins, sharing the clock pin the board names,
  with the plant's readings converted to 24-bit counts at the board's counts_per_mmhg;
  they saturate, convert at 10 or 40 Hz by the pulse count, and a dead sensor never
  reports ready.
* Valve pins (GPIO or a 74HC595 chain with /OE) and the pump PWM set the plant's
  commanded inlet/vent/pump.
* Button pins read the scripted presses; Pin.irq handlers fire on their edges.
* WDT bites (MachineReset('wdt')) when not fed within its timeout of virtual time.
* time.sleep_ms() is where virtual time passes: it calls world.on_tick (the end of
  one control tick), raises StopSimulation once world.stop_ms is reached, then steps
  the plant and the clock.
"""

import random
import time as _real_time
import types

from .clock import TICKS_MAX, VirtualClock, ticks_add, ticks_diff
from .fake_parts import Fake595, FakeHX710B, PinState


class StopSimulation(BaseException):
    """Virtual time is up. A BaseException, so firmware `except Exception` lets it pass."""


class MachineReset(BaseException):
    """machine.reset() or a watchdog bite; `cause` is 'reset', 'soft' or 'wdt'."""

    def __init__(self, cause):
        super().__init__(cause)
        self.cause = cause


class FakePinError(Exception):
    """Firmware did something the real pin would not do (e.g. drive an input)."""


BUTTON_NAMES = ("start", "mode", "up", "down")  # bit order, as firmware/lib/buttons.py
class World:
    """One simulated board: pins, plant, clock, scripted buttons."""

    def __init__(self, board=None, plant=None, clock=None, spans=(), seed=0):
        self.clock = clock or VirtualClock()
        self.plant = plant
        self.board = board
        self.spans = list(spans)  # (start_ms, end_ms, bit) of button presses
        self.pins = {}
        self.pwms = {}
        self.adcs = {}
        self.pixels = {}
        self.wdt = None
        self.on_tick = None
        self.on_advance = None  # called after each step of virtual time (plant faults)
        self.stop_ms = None
        self.sensors = []
        self.shift = None
        self.readings = [0] * (plant.chambers if plant else 0)
        self._us = 0
        self.machine = _make_machine(self)
        self.time = _make_time(self)
        self.neopixel = _make_neopixel(self)
        if plant is not None:
            plant.read_sensors(self.readings)
        if board is not None:
            self._wire(board, random.Random(seed))

    def pin(self, pin_id):
        s = self.pins.get(pin_id)
        if s is None:
            s = self.pins[pin_id] = PinState(pin_id)
        return s

    # ---- wiring a board ------------------------------------------------------------
    def _wire(self, board, rng):
        active = board.get("button_active", 0)
        for bit, name in enumerate(BUTTON_NAMES):
            self.pin(board["button_pins"][name]).source = self._button(1 << bit, active)
        if board.get("sensor", "hx710b") == "hx710b":
            cpm = board.get("sensor_counts_per_mmhg", 107365)
            clock = self.pin(board["sensor_clk_pin"])
            for i, p in enumerate(board["sensor_data_pins"]):
                chip = FakeHX710B(self, i, cpm if isinstance(cpm, int) else cpm[i], rng.uniform(0.0, 25.0))
                self.sensors.append(chip)
                self.pin(p).source = chip.dout
                clock.listeners.append(chip.on_clock)
        elif board.get("sensor") == "analog":
            for i, p in enumerate(board["sensor_adc_pins"]):
                self.adcs[p] = self._analog(i, board["sensor_calibration"])
        if board.get("valve_driver") == "74hc595":
            self.shift = Fake595(self, board, rng)

    def _button(self, bit, active):
        def level():
            t = self.clock.elapsed_ms
            pressed = any(s <= t < e and b == bit for s, e, b in self.spans)
            return active if pressed else 1 - active

        return level

    def _analog(self, i, cal):
        raw_lo, p_lo, raw_hi, p_hi = cal if isinstance(cal[0], int) else cal[i]

        def read_u16():
            r = self.readings[i]
            raw = raw_lo + (r - p_lo) * (raw_hi - raw_lo) // (p_hi - p_lo)
            return max(0, min(65535, raw))

        return read_u16

    def power_cycle(self):
        """A chip reset: every GPIO floats back to its pull resistor, PWM and WDT stop.
        (Off-chip parts such as the 74HC595 keep their contents.)"""
        for s in self.pins.values():
            s.mode = None
            s.irq = None
            s.drive(s.rest)
        self.pwms.clear()
        self.wdt = None

    # ---- what the pins command ---------------------------------------------------------
    def pump_duty(self):
        pwm = self.pwms.get(self.board["pump_pin"])
        if pwm is None or not pwm.running:
            return 100 if self.pin(self.board["pump_pin"]).level else 0
        return pwm.duty_u16_value * 100 / 65535

    def _energised(self, kind, i):
        b = self.board
        on = 1 if b.get("valve_active", 1) else 0
        if self.shift is not None:
            return self.shift.q(b[kind + "_bits"][i]) == on
        return self.pin(b[kind + "_pins"][i]).level == on

    def inlet_open(self):
        return [1 if self._energised("inlet", i) else 0 for i in range(self.board["chambers"])]

    def vent_open(self):
        no = self.board.get("vent_normally_open", True)
        return [1 if self._energised("vent", i) != no else 0 for i in range(self.board["chambers"])]

    def led_on(self):
        p = self.board["led_pin"]
        if p in self.pixels:
            return any(self.pixels[p])
        return self.pin(p).level == self.board.get("led_active", 1)

    # ---- time ----------------------------------------------------------------------
    def sleep_ms(self, ms):
        if self.on_tick is not None:
            self.on_tick()
        if self.stop_ms is not None and self.clock.elapsed_ms >= self.stop_ms:
            raise StopSimulation
        self.advance(int(ms))

    def sleep_us(self, us):
        self._us += int(us)
        if self._us >= 1000:
            ms, self._us = divmod(self._us, 1000)
            self.advance(ms)

    def advance(self, ms):
        if ms <= 0:
            return
        if self.plant is not None:
            self.plant.step(ms, self.pump_duty(), self.inlet_open(), self.vent_open())
            self.plant.read_sensors(self.readings)
        self.clock.advance(ms)
        if self.on_advance is not None:
            self.on_advance()
        wdt = self.wdt
        if wdt is not None and self.clock.elapsed_ms - wdt.last_feed_ms > wdt.timeout:
            wdt.expired = True
            raise MachineReset("wdt")
        for s in self.pins.values():
            if s.irq is not None and s.source is not None:
                level = s.read()
                if level != s.irq_level:
                    handler, trigger, obj = s.irq
                    s.irq_level = level
                    if handler is not None and trigger & (1 if level else 2):  # IRQ_RISING / IRQ_FALLING
                        handler(obj)


def _make_machine(world):
    m = types.ModuleType("machine")
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
            if value is not None:
                self.value(value)

        def value(self, v=None):
            s = self._s
            if v is None:
                return s.read()
            if s.mode not in (Pin.OUT, Pin.OPEN_DRAIN):
                raise FakePinError("Pin(%r).value(%r): the pin is not an output" % (self.id, v))
            s.drive(1 if v else 0)
            return None

        __call__ = value

        def on(self):
            self.value(1)

        def off(self):
            self.value(0)

        def irq(self, handler=None, trigger=3, hard=False):
            self._s.irq = (handler, trigger, self)
            self._s.irq_level = self._s.read()

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
            if not 0 <= v <= 65535:
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

    def reset():
        raise MachineReset("reset")

    def soft_reset():
        raise MachineReset("soft")

    m.Pin, m.PWM, m.ADC, m.WDT = Pin, PWM, ADC, WDT
    m.reset, m.soft_reset = reset, soft_reset
    m.reset_cause = lambda: m.PWRON_RESET
    m.unique_id = lambda: b"\x24\x0a\xc4\x00\x5b\x01"
    m.freq = lambda hz=None: 240_000_000 if hz is None else None
    m.disable_irq = lambda: 0
    m.enable_irq = lambda state=0: None
    m.idle = lambda: None
    return m


class _TimeModule(types.ModuleType):
    # Anything MicroPython's time has that is not faked here (time(), localtime() ...)
    # comes from the host's time module.
    def __getattr__(self, name):
        return getattr(_real_time, name)


def _make_time(world):
    t = _TimeModule("time")
    clock = world.clock
    t.ticks_ms = clock.ticks_ms
    t.ticks_add = ticks_add
    t.ticks_diff = ticks_diff
    t.ticks_us = lambda: (clock.elapsed_ms * 1000 + world._us) & TICKS_MAX
    t.ticks_cpu = t.ticks_us
    t.sleep_ms = world.sleep_ms
    t.sleep_us = world.sleep_us
    t.sleep = lambda s: world.sleep_ms(int(s * 1000))
    return t


def _make_neopixel(world):
    m = types.ModuleType("neopixel")

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
