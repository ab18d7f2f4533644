"""The parts behind the fake pins of fakes.py: a GPIO's state, an HX710B module and a
chain of 74HC595 shift registers, each reacting to pin levels the way the real part does."""

from .plant import SENSOR_DEAD

_FULL = 1 << 24
_MAX_COUNT = (1 << 23) - 1


class PinState:
    """One GPIO: level, mode, an optional input source and edge listeners."""

    def __init__(self, pin_id, level=0):
        self.id = pin_id
        self.rest = level  # what the pin reads undriven (its external pull resistor)
        self.level = level
        self.mode = None
        self.source = None  # callable -> 0/1 for pins driven from outside
        self.listeners = []  # called with the new level on each change
        self.irq = None  # (handler, trigger, pin object)
        self.irq_level = None

    def read(self):
        return self.source() if self.source is not None else self.level

    def drive(self, level):
        old = self.level
        self.level = level
        if old != level:
            for f in self.listeners:
                f(level)


class FakeHX710B:
    """One HX710B: converts on its own schedule, shifts out on the shared clock."""

    def __init__(self, world, chamber, counts_per_mmhg, phase_ms):
        self.world = world
        self.chamber = chamber
        self.cpm = counts_per_mmhg
        self.phase = phase_ms
        self.period = 100  # power-on mode: differential at 10 Hz until told otherwise
        self.read_at = None
        self.shifting = False
        self.word = 0
        self.pulses = 0
        self.out = 1
        self.reads = 0

    def counts(self):
        r = self.world.readings[self.chamber]
        c = (r * self.cpm + 5) // 10
        return max(-_MAX_COUNT - 1, min(_MAX_COUNT, c))

    def dead(self):
        return self.world.readings[self.chamber] == SENSOR_DEAD

    def ready(self):
        t = self.world.clock.elapsed_ms
        if self.dead() or t < self.phase:
            return False
        if self.read_at is None:
            return True
        return (t - self.phase) // self.period > (self.read_at - self.phase) // self.period

    def dout(self):
        if self.shifting and self.world.clock.elapsed_ms == self.read_at:
            return self.out
        self.shifting = False
        return 0 if self.ready() else 1

    def on_clock(self, level):
        if not level:
            return
        now = self.world.clock.elapsed_ms
        if self.shifting and now != self.read_at:
            self.shifting = False
        if not self.shifting:
            if not self.ready():
                return  # clocked while converting: ignored
            self.word = self.counts() & (_FULL - 1)
            self.shifting = True
            self.pulses = 0
            self.read_at = now
            self.reads += 1
        self.pulses += 1
        p = self.pulses
        self.out = (self.word >> (24 - p)) & 1 if p <= 24 else 1
        if p >= 25:
            self.period = 100 if p == 25 else 25  # 26 and 27 pulses: 40 Hz


class Fake595:
    """A chain of 74HC595s: shift on clock rising, copy on latch rising, /OE high = off."""

    def __init__(self, world, board, rng):
        bits = list(board["inlet_bits"]) + list(board["vent_bits"])
        self.stages = (max(bits) // 8 + 1) * 8
        self.mask = (1 << self.stages) - 1
        self.shift = rng.getrandbits(self.stages)  # power-on contents are arbitrary
        self.out = rng.getrandbits(self.stages)
        self.world = world
        self.data = board["shift_data_pin"]
        self.enable = board["shift_enable_pin"]
        world.pin(board["shift_clock_pin"]).listeners.append(self.on_clock)
        world.pin(board["shift_latch_pin"]).listeners.append(self.on_latch)
        oe = world.pin(self.enable)
        oe.rest = oe.level = 1  # the /OE pull-up

    def on_clock(self, level):
        if level:
            self.shift = ((self.shift << 1) | self.world.pin(self.data).level) & self.mask

    def on_latch(self, level):
        if level:
            self.out = self.shift

    def q(self, stage):
        if self.world.pin(self.enable).level:
            return 0  # outputs off: the gate pull-downs hold every coil off
        return (self.out >> stage) & 1
