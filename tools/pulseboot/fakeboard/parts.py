"""The parts behind the fake pins of world.py: a GPIO's state, HX710B modules on a shared
clock line and a chain of 74HC595 shift registers, each reacting to pin levels the way
the real part does.

Written for CPython and MicroPython alike (no imports): `pulseboot sim --vm micropython`
runs this very file inside the MicroPython unix port, so the firmware meets the same
parts in both interpreters and the two traces agree byte for byte.
"""

SENSOR_DEAD = -32768  # the plant's reading of a dead sensor (plant.SENSOR_DEAD)
_MASK = 0xFFFFFF  # a 24-bit word
_MAX_COUNT = 0x7FFFFF
_MIN_COUNT = -0x800000


class PinState:
    """One GPIO: level, mode, an optional input source and edge listeners."""

    __slots__ = ("id", "irq", "irq_level", "level", "listeners", "mode", "rest", "source", "writer")

    def __init__(self, pin_id, level=0):
        self.id = pin_id
        self.rest = level  # what the pin reads undriven (its external pull resistor)
        self.level = level
        self.mode = None
        self.source = None  # zero-argument callable -> 0/1 for pins driven from outside
        self.listeners = []  # called with the new level on each change
        self.irq = None  # (handler, trigger, pin object)
        self.irq_level = None
        self.writer = None  # a part's own value(v) for this output (the HX710B clock line)

    def read(self):
        return self.source() if self.source is not None else self.level

    def drive(self, level):
        if self.writer is not None:
            self.writer(level)
            return
        old = self.level
        self.level = level
        if old != level:
            for f in self.listeners:
                f(level)

    def write(self, v=None):
        """An output's Pin.value(): read back the level, or drive it (fakes.Pin binds this)."""
        if v is None:
            return self.level
        level = 1 if v else 0
        if level != self.level:
            self.level = level
            for f in self.listeners:
                f(level)
        return None


def bit_rows(words):
    """DOUT levels after clock edges 1..24 of a read: row k-1 holds bit 24-k of each word."""
    rows = []
    for shift in range(23, -1, -1):
        rows.append([(w >> shift) & 1 for w in words])
    return rows


PLAIN = (None, _MASK, bit_rows)  # HX710BBus(codec=): words as ints, no cache


class FakeHX710B:
    """One HX710B module: when its conversions finish and which word it holds.

    Its first conversion finishes `phase` ms (an int) after power-on, then one every
    `period` ms: 100 (10 Hz) at power-on and after a 25-pulse read, 25 (40 Hz) after a
    read of 26 or 27 pulses. A dead sensor (the plant's SENSOR_DEAD) never reports ready.
    Its state lives in the HX710BBus it sits on, which does the shifting; a change to
    `phase` or to the readings shows on DOUT when virtual time next moves."""

    def __init__(self, bus, index, counts_per_mmhg, phase_ms):
        self.bus = bus
        self.i = bus.add(index, counts_per_mmhg, phase_ms)
        self.chamber = index  # its slot in world.readings
        self.cpm = counts_per_mmhg

    @property
    def phase(self):
        return self.bus.phase[self.i]

    @phase.setter
    def phase(self, ms):
        self.bus.phase[self.i] = ms
        self.bus.schedule(self.i)

    @property
    def period(self):
        bus = self.bus
        if bus.picked is not None and self.i in bus.active:  # read just now: applied when time moves
            return bus.picked
        return bus.period[self.i]

    @property
    def read_at(self):
        return self.bus.read_at[self.i]


class HX710BBus:
    """Every HX710B on one clock pin, their state in parallel lists (module i at index i).

    Their DOUT levels live in `dout` (each data pin reads its slot); a level changes on a
    rising clock edge and when virtual time moves (refresh(): DOUT low = a word is waiting).
    A rising edge clocks every module at once. The first edge of a read latches the word of
    each module that has one waiting; the next 23 shift it out, MSB first; edges 25-27 pick
    the next conversion rate. A module clocked while converting ignores that read's pulses
    and keeps DOUT high. A read ends when virtual time moves.

    The clock pin's Pin.value is clock() itself: one call per edge, with the 24 rows of
    DOUT levels worked out once per read instead of once per edge and module.
    codec = (encode, converting, rows): encode(word) -> what rows() takes for a module (None:
    the word itself, else cached per module and reading), `converting` for a module that
    is not shifting, rows(items) -> the 24 rows of DOUT levels (see bit_rows)."""

    def __init__(self, world, clock_pin, codec=PLAIN):
        self.world = world
        self.pin = clock_pin  # its PinState
        self.dout = []
        self.slot = []  # index into world.readings
        self.cpm = []
        self.phase = []
        self.period = []
        self.read_at = []  # virtual ms of the last read; None before the first
        self.ready_at = []  # virtual ms its next conversion finishes
        self.edges = 0  # rising edges since virtual time last moved
        self.rows = []
        self.active = []  # modules shifting out in the read under way
        self.picked = None  # the conversion period its pulse count picked, once past 24
        self.read_t = 0  # when the whole bus was last read at once
        self._encode, self._converting, self._bit_rows = codec
        self._cache = []  # per module, reading -> encoded word (with an encoder)
        self._items = []
        self._ones = ()
        self._all = []  # every module, in order
        self._in_order = True  # module i reads world.readings[i]
        # The clock line's level lives here; the pin's own reads and writes come here too.
        self.level = clock_pin.level
        self.listeners = clock_pin.listeners  # the pin's own list: whoever watches the clock line
        clock_pin.writer = self.clock
        clock_pin.source = self._level

    def add(self, slot, counts_per_mmhg, phase_ms):
        """A module reading world.readings[slot]; returns its index on the bus."""
        i = len(self.dout)
        for column, value in ((self.dout, 1), (self.slot, slot), (self.cpm, counts_per_mmhg),
                              (self.phase, phase_ms), (self.period, 100), (self.read_at, None),
                              (self.ready_at, phase_ms), (self._items, self._converting), (self._cache, {}),
                              (self._all, i)):
            column.append(value)
        self._ones = (1,) * (i + 1)
        self._in_order = self._in_order and slot == i
        return i

    def schedule(self, i):
        """Work out when module i's next conversion finishes."""
        phase = self.phase[i]
        last = self.read_at[i]
        if last is None:
            self.ready_at[i] = phase
        else:
            period = self.period[i]
            self.ready_at[i] = phase + ((last - phase) // period + 1) * period

    def refresh(self):
        """Virtual time moved: a read in progress is over; DOUT low where a word waits."""
        ready_at = self.ready_at
        active = self.active
        if active:
            period = self.period
            picked = self.picked
            if active is self._all and picked is not None:
                # The whole bus read at once with one pulse count (each tick, once running).
                period[:] = [picked] * len(period)
                t = self.read_t
                ready_at[:] = [ph + ((t - ph) // picked + 1) * picked for ph in self.phase]
            else:
                phase = self.phase
                read_at = self.read_at
                for i in active:  # schedule(i), inline
                    if picked is not None:
                        period[i] = picked
                    p = period[i]
                    ph = phase[i]
                    ready_at[i] = ph + ((read_at[i] - ph) // p + 1) * p
            self.active = []
            self.picked = None
        t = self.world.clock.elapsed_ms
        self.edges = 0
        self.dout[:] = [0 if t >= r else 1 for r in ready_at]
        readings = self.world.readings
        if SENSOR_DEAD in readings:  # a dead module never reports ready
            dout = self.dout
            slot = self.slot
            for i in range(len(dout)):
                if readings[slot[i]] == SENSOR_DEAD:
                    dout[i] = 1

    def clock(self, v=None):
        """The clock pin's value(): its level, or drive it (a rising edge clocks the bus)."""
        if v:
            if self.level:
                return None
            self.level = 1
            k = self.edges
            self.edges = k + 1
            if k < 24:
                if not k:
                    self._latch()
                self.dout[:] = self.rows[k]
            elif k == 24:  # nothing left to shift: DOUT high until the next word ...
                self.dout[:] = self._ones
                self.picked = 100  # ... and the pulse count picks the next conversion rate
            else:
                self.picked = 25
            if self.listeners:
                for f in self.listeners:
                    f(1)
        elif v is None:
            return self.level
        elif self.level:
            self.level = 0
            if self.listeners:
                for f in self.listeners:
                    f(0)
        return None

    def _level(self):
        return self.level

    def _latch(self):
        # The first edge: every module whose DOUT is low has a word waiting.
        t = self.world.clock.elapsed_ms
        readings = self.world.readings
        dout = self.dout
        n = len(dout)
        if self._encode is not None and self._in_order and 1 not in dout:
            # Every module ready (each tick, once running): the whole bus at once.
            items = list(map(dict.get, self._cache, readings))
            if None in items:
                for i in range(n):
                    if items[i] is None:
                        items[i] = self._word(i, readings[i])
            self.read_at[:] = [t] * n
            self.read_t = t
            self.active = self._all
        else:
            items = self._items
            slot = self.slot
            active = []
            for i in range(n):
                if dout[i]:
                    items[i] = self._converting  # converting: DOUT stays high through this read
                    continue
                items[i] = self._word(i, readings[slot[i]])
                self.read_at[i] = t
                active.append(i)
            self.active = active
        self.picked = None
        self.rows = self._bit_rows(items)

    def _word(self, i, reading):
        """Module i's word for a reading: counts at its scale, saturated, as the codec has it."""
        cache = self._cache[i]
        item = cache.get(reading)
        if item is None:
            c = (reading * self.cpm[i] + 5) // 10
            item = (_MIN_COUNT if c < _MIN_COUNT else (_MAX_COUNT if c > _MAX_COUNT else c)) & _MASK
            if self._encode is not None:
                if len(cache) >= 4096:
                    cache.clear()
                item = cache[reading] = self._encode(item)
        return item


class Fake595:
    """A chain of 74HC595s: shift on clock rising, copy on latch rising, /OE high = off."""

    def __init__(self, world, board, power_on):
        bits = list(board["inlet_bits"]) + list(board["vent_bits"])
        self.stages = (max(bits) // 8 + 1) * 8
        self.mask = (1 << self.stages) - 1
        self.shift, self.out = power_on  # power-on contents are arbitrary (drawn by the World)
        self.world = world
        self.data = board["shift_data_pin"]
        self.enable = board["shift_enable_pin"]
        self._data = world.pin(self.data)
        world.pin(board["shift_clock_pin"]).listeners.append(self.on_clock)
        world.pin(board["shift_latch_pin"]).listeners.append(self.on_latch)
        oe = self._oe = world.pin(self.enable)
        oe.rest = oe.level = 1  # the /OE pull-up

    def on_clock(self, level):
        if level:
            self.shift = ((self.shift << 1) | self._data.level) & self.mask

    def on_latch(self, level):
        if level:
            self.out = self.shift

    def outputs(self):
        """The Q outputs as a bit mask: 0 while /OE is high (the gate pull-downs hold every coil off)."""
        return 0 if self._oe.level else self.out

    def q(self, stage):
        return (self.outputs() >> stage) & 1
