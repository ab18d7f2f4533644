"""Host stand-ins for MicroPython's `machine`, `time` and `neopixel`, on a virtual board.

A World holds one virtual board: its pins and parts (parts.py), the virtual clock,
the scripted buttons and the pneumatics behind the pins (`plant`: the simulated plant,
stepped with what the pins command). `world.machine`, `world.time` and `world.neopixel`
are what the unmodified firmware imports in place of the real modules (see pulseboot/run/device_shell.py).
Outputs are read back at the pin level, so the plant sees what the drivers really drove:

* Analog sensors' ADC pins read the plant's read_u16() values (plant/analog.py).
* HX710B modules answer on their DOUT pins, sharing the clock pin the board names,
  with the plant's readings converted to 24-bit counts at the board's counts_per_mmhg;
  they saturate, convert at 10 or 40 Hz by the pulse count, and a dead sensor never
  reports ready.
* Valve pins (GPIO, a 74HC595 chain with /OE, or chamber valves and one shared exhaust)
  and the pump PWM set the plant's inlet/vent/exhaust and pump duty.
* Button pins read the scripted presses; Pin.irq handlers fire on their edges.
* WDT bites (MachineReset('wdt')) when not fed within its timeout of virtual time.
* time.sleep_ms() is where virtual time passes: it calls world.on_tick (the end of
  one control tick), raises StopSimulation once world.stop_ms is reached, then steps
  the plant and the clock.

Like the rest of fakeboard/, this file runs under CPython and inside the MicroPython unix port
(tools/mp/sil_shell.py, where the plant is a pipe back to CPython). What only CPython
has (real module objects, pin reads that are C calls, a faster bit splitter, the seeded
draws) changes how fast the same thing happens, never what happens.
"""

from .clock import VirtualClock
from .machine import FakePinError, MachineReset, StopSimulation, make_machine, make_neopixel, make_time
from .parts import PLAIN, Fake595, FakeHX710B, HX710BBus, PinState

__all__ = ["FakePinError", "MachineReset", "StopSimulation", "World", "draw", "sensor_count"]

try:  # CPython: a pin read is one C call (itemgetter(i) bound to the list as a method)
    from operator import itemgetter as _itemgetter
    from types import MethodType as _MethodType

    def reader(levels, i):
        """A zero-argument callable returning levels[i] (a pin's source)."""
        return _MethodType(_itemgetter(i), levels)
except ImportError:  # MicroPython
    def reader(levels, i):
        return lambda: levels[i]

try:  # CPython: a word becomes 24 bytes of 0/1 (cached per reading), zip() makes the rows
    _TO_BITS = bytes.maketrans(b"01", b"\x00\x01")

    def _word_bytes(word):
        return format(word, "024b").encode().translate(_TO_BITS)

    CODEC = (_word_bytes, b"\x01" * 24, lambda items: list(zip(*items)))
except AttributeError:  # MicroPython has no bytes.maketrans
    CODEC = PLAIN

try:
    from math import ceil as _ceil
    from random import Random as _Random
except ImportError:  # MicroPython: the CPython side draws and sends them (see draw())
    _Random = None


BUTTON_NAMES = ("start", "mode", "up", "down")  # bit order, as firmware/lib/buttons.py
_U16 = 65535
TICK_MS = 25  # the firmware's control period: a hung loop's rows come this often
# Faults of the board itself, not the plant: the control loop stops (only the watchdog can
# act), or the supply drops for POWER_OFF_MS and the chip starts again from boot.py.
BOARD_FAULTS = ("hang", "power-cycle")
POWER_OFF_MS = 500


def sensor_count(board):
    if board is None:
        return 0
    if board.get("sensor", "hx710b") == "analog":
        return len(board["sensor_adc_pins"])
    return len(board.get("sensor_data_pins", ()))


def shift_stages(board):
    bits = list(board["inlet_bits"]) + list(board["vent_bits"])
    return (max(bits) // 8 + 1) * 8


def draw(board, seed):
    """What a board's parts power up with, from the seed (CPython's random, so a seed gives
    the same board in both interpreters): (HX710B phases in whole ms, one per sensor, and
    the 74HC595 chain's (shift, latch) contents or None)."""
    rng = _Random(seed)
    phases = []
    if board.get("sensor", "hx710b") == "hx710b":
        # A module's first conversion ends somewhere in the first 25 ms. Time moves in whole
        # ms, so a phase of 12.3 ms behaves as 13: rounded up, it is the same, and an int.
        phases = [_ceil(rng.uniform(0.0, 25.0)) for _ in board["sensor_data_pins"]]
    shift = None
    if board.get("valve_driver") == "74hc595":
        stages = shift_stages(board)
        shift = (rng.getrandbits(stages), rng.getrandbits(stages))
    return phases, shift


class World:
    """One simulated board: pins, parts, plant, clock, scripted buttons.

    board: a board dict (None: bare pins, for driver tests); plant: an object with
    step(dt_ms, pump_duty, inlet, vent, exhaust) and read_sensors(out); spans: button
    presses as (start_ms, end_ms, bit); seed or draws: what the parts power up with
    (see draw()); readings: the sensors' first readings where no plant is there to ask."""

    def __init__(self, board=None, plant=None, clock=None, spans=(), seed=0, draws=None, readings=None):
        self.clock = clock or VirtualClock()
        self.plant = plant
        self.board = board
        self.spans = list(spans)  # (start_ms, end_ms, bit) of button presses
        self.pins = {}
        self.pwms = {}
        self.adcs = {}
        self.pixels = {}
        self.wdt = None
        self.timers = []  # armed machine.Timer fakes
        self._next_timer = None  # the earliest deadline among them (elapsed ms)
        self.on_tick = None
        self.on_advance = None  # called after each step of virtual time (plant faults)
        self.stop_ms = None
        self.hung = False  # the 'hang' fault: time passes, the firmware never runs again
        self.sensors = []  # FakeHX710B, sensor order
        self.buses = []  # HX710BBus per clock pin
        self.shift = None
        self.readings = [0] * sensor_count(board)
        self.outputs = None  # what the pins commanded at the end of the last tick (sample())
        self._us = 0
        self._irq = []  # PinStates with an interrupt handler
        self._buttons = None  # level of each button pin, bit order
        self._valves = ()  # (PinState or 74HC595 stage, opens when energised) per valve
        self._chambers = board["chambers"] if board is not None else 0
        self._shared_exhaust = False
        self._on = 1
        self._pump = None
        self._zeros = [0] * self._chambers
        self._valve_view = None  # sample()'s valve lists while no valve pin changes
        self._mask = -1  # the buttons pressed when virtual time last moved
        self._press_until = 0  # ... and when that can next change
        self.machine = make_machine(self)
        self.time = make_time(self)
        self.neopixel = make_neopixel(self)
        if plant is not None:
            plant.read_sensors(self.readings)
        if readings is not None:
            self.readings[:] = readings
        if board is not None:
            self._wire(board, draws if draws is not None else draw(board, seed))
        self._refresh()

    def pin(self, pin_id):
        s = self.pins.get(pin_id)
        if s is None:
            s = self.pins[pin_id] = PinState(pin_id)
        return s

    # ---- wiring a board ------------------------------------------------------------
    def _wire(self, board, draws):
        phases, power_on = draws
        self._button_active = 1 if board.get("button_active", 0) else 0
        self._buttons = [1 - self._button_active] * len(BUTTON_NAMES)
        for bit, name in enumerate(BUTTON_NAMES):
            self.pin(board["button_pins"][name]).source = reader(self._buttons, bit)
        if board.get("sensor", "hx710b") == "hx710b":
            cpm = board.get("sensor_counts_per_mmhg", 107365)
            bus = HX710BBus(self, self.pin(board["sensor_clk_pin"]), CODEC)
            self.buses.append(bus)
            for i, p in enumerate(board["sensor_data_pins"]):
                chip = FakeHX710B(bus, i, cpm if isinstance(cpm, int) else cpm[i], phases[i])
                self.sensors.append(chip)
                self.pin(p).source = reader(bus.dout, chip.i)
        elif board.get("sensor") == "analog":
            # The plant gives each ADC pin's read_u16() value (pulseboot/plant/analog.py: sensor,
            # divider and ADC); with no plant the pins read the board's own calibrated zero.
            if self.plant is None and not any(self.readings):
                cal = board["sensor_calibration"]
                self.readings[:] = [cal[0] if isinstance(cal[0], int) else cal[i][0] for i in range(len(cal))]
            for i, p in enumerate(board["sensor_adc_pins"]):
                self.adcs[p] = reader(self.readings, i)
        self._on = 1 if board.get("valve_active", 1) else 0
        vent_no = board.get("vent_normally_open", True)
        if board.get("valve_driver") == "74hc595":
            self.shift = Fake595(self, board, power_on)
            self._valves = [(b, True) for b in board["inlet_bits"]] + [(b, not vent_no) for b in board["vent_bits"]]
        elif "exhaust_pin" in board:
            # One valve per chamber and a shared exhaust, both normally open by default.
            self._shared_exhaust = True
            inlet_no = board.get("inlet_normally_open", True)
            self._valves = [(self.pin(p), not inlet_no) for p in board["inlet_pins"]]
            self._valves.append((self.pin(board["exhaust_pin"]), not board.get("exhaust_normally_open", True)))
        elif "inlet_pins" in board:
            self._valves = ([(self.pin(p), True) for p in board["inlet_pins"]]
                            + [(self.pin(p), not vent_no) for p in board.get("vent_pins", ())])
        # sample() works the valves out again only after one of their pins changed.
        if self.shift is not None:
            watched = [self.pin(board["shift_latch_pin"]), self.pin(board["shift_enable_pin"])]
        else:
            watched = [v[0] for v in self._valves]
        for s in watched:
            s.listeners.append(self._valves_moved)
        self._pump = board["pump_pin"]

    def fail(self, kind):
        """A board fault (BOARD_FAULTS) happens now. 'power-cycle' raises MachineReset('power')
        out of whatever the firmware was doing; the lifecycle restarts the chip."""
        if kind == "hang":
            self.hung = True
        elif kind == "power-cycle":
            raise MachineReset("power")
        else:
            raise ValueError("unknown board fault %r; allowed: %s" % (kind, ", ".join(BOARD_FAULTS)))

    def power_cycle(self):
        """A chip reset: every GPIO floats back to its pull resistor, PWM and WDT stop.
        (Off-chip parts such as the 74HC595 keep their contents.)"""
        for s in self.pins.values():
            s.mode = None
            s.irq = None
            s.drive(s.rest)
        self._irq = []
        self.pwms.clear()
        self.wdt = None
        self.timers = []
        self._next_timer = None
        self.hung = False

    # ---- what the pins command ---------------------------------------------------------
    def pump_u16(self):
        if self._pump is None:
            return 0
        pwm = self.pwms.get(self._pump)
        if pwm is None or not pwm.running:
            return _U16 if self.pin(self._pump).level else 0
        return pwm.duty_u16_value

    def pump_duty(self):
        return self.pump_u16() * 100 / _U16

    def valves_open(self):
        """1 per valve that is open, in board order: inlets, then vents (or the exhaust)."""
        on = self._on
        if self.shift is not None:
            q = self.shift.outputs()
            return [1 if (((q >> b) & 1) == on) == opens else 0 for b, opens in self._valves]
        return [1 if (s.level == on) == opens else 0 for s, opens in self._valves]

    def _valves_moved(self, _level):
        self._valve_view = None

    def sample(self):
        """(pump duty_u16, plant inlet, plant vent, exhaust, chamber fed, chamber vented):
        what the pins command, as the plant takes it and as the trace shows it. The lists
        are shared from one call to the next while the valve pins stay as they are."""
        view = self._valve_view
        if view is None:
            n = self._chambers
            z = self._zeros
            v = self.valves_open()
            if not v:
                view = (z, z, 0, z, z)
            elif self._shared_exhaust:
                inlet = v[:n]
                ex = v[n]
                view = (inlet, z, ex, z if ex else inlet, inlet if ex else z)
            else:
                inlet = v[:n]
                vent = v[n:]
                view = (inlet, vent, 0, inlet, vent)
            self._valve_view = view
        return self.pump_u16(), view[0], view[1], view[2], view[3], view[4]

    def inlet_open(self):
        return list(self.sample()[4])

    def vent_open(self):
        return list(self.sample()[5])

    def press(self, bit, start_ms, end_ms):
        """Hold the buttons of `bit` from start_ms to end_ms of virtual time: a press decided
        while the board runs (the twin's keys), beside the spans given at the start. A start
        already past begins at the next step of virtual time. Spans that have ended are
        dropped here (only here: a scripted run never calls this)."""
        t = self.clock.elapsed_ms
        self.spans = [s for s in self.spans if s[1] > t]
        self.spans.append((start_ms, end_ms, bit))
        if start_ms < self._press_until:
            self._press_until = start_ms  # advance() looks at the buttons again from then

    def buttons_held(self):
        """The buttons held now, a bitmask in BUTTON_NAMES order (what the pins read)."""
        return self._mask if self._mask > 0 else 0

    def led_on(self):
        p = self.board["led_pin"]
        if p in self.pixels:
            return any(self.pixels[p])
        return self.pin(p).level == self.board.get("led_active", 1)

    # ---- time ----------------------------------------------------------------------
    def sleep_ms(self, ms):
        self.outputs = out = self.sample()
        if self.on_tick is not None:
            self.on_tick()
        if self.stop_ms is not None and self.clock.elapsed_ms >= self.stop_ms:
            raise StopSimulation
        self.advance(int(ms), out)
        while self.hung:  # the loop is stuck here: the pins stay as they are until the watchdog bites
            self.outputs = out = self.sample()
            if self.on_tick is not None:
                self.on_tick()
            if self.stop_ms is not None and self.clock.elapsed_ms >= self.stop_ms:
                raise StopSimulation
            self.advance(TICK_MS, out)

    def sleep_us(self, us):
        self._us += int(us)
        if self._us >= 1000:
            ms, self._us = divmod(self._us, 1000)
            self.advance(ms)

    def arm(self, timer):
        """A fake machine.Timer was (re)armed or stopped."""
        if timer.deadline is None:
            if timer in self.timers:
                self.timers.remove(timer)
        elif timer not in self.timers:
            self.timers.append(timer)
        self._next_timer = min(t.deadline for t in self.timers) if self.timers else None

    def _fire_timers(self):
        now = self.clock.elapsed_ms
        for t in list(self.timers):
            if t.deadline is not None and t.deadline <= now:
                t.fire()

    def advance(self, ms, outputs=None):
        if ms <= 0:
            return
        if self._next_timer is not None:
            # A timer runs out within this step: time runs up to its deadline, its callback
            # runs, and the rest of the step goes on with the outputs as it left them.
            end = self.clock.elapsed_ms + ms
            while self._next_timer is not None and self._next_timer <= end:
                due = self._next_timer
                if due > self.clock.elapsed_ms:
                    self._advance(due - self.clock.elapsed_ms, outputs)
                self._fire_timers()
                outputs = None
            if end > self.clock.elapsed_ms:
                self._advance(end - self.clock.elapsed_ms, outputs)
            return
        self._advance(ms, outputs)

    def _advance(self, ms, outputs):
        self.step_plant(ms, outputs or self.sample())
        clock = self.clock
        clock.advance(ms)
        if self.on_advance is not None:
            self.on_advance()
        if clock.elapsed_ms >= self._press_until:
            self._press()
        for bus in self.buses:
            bus.refresh()
        wdt = self.wdt
        if wdt is not None and clock.elapsed_ms - wdt.last_feed_ms > wdt.timeout:
            wdt.expired = True
            raise MachineReset("wdt")
        for s in self._irq:
            if s.irq is not None and s.source is not None:
                level = s.source()
                if level != s.irq_level:
                    handler, trigger, obj = s.irq
                    s.irq_level = level
                    if handler is not None and trigger & (1 if level else 2):  # IRQ_RISING / IRQ_FALLING
                        handler(obj)

    def step_plant(self, ms, outputs):
        """Run the pneumatics ms with these outputs (sample()) and read the sensors."""
        plant = self.plant
        if plant is not None:
            plant.step(ms, outputs[0] * 100 / _U16, outputs[1], outputs[2], outputs[3])
            plant.read_sensors(self.readings)

    def _refresh(self):
        """Virtual time moved: the buttons as scripted, the HX710B DOUT lines."""
        self._press()
        for bus in self.buses:
            bus.refresh()

    def _press(self):
        t = self.clock.elapsed_ms
        if t < self._press_until or self._buttons is None:
            return  # no press starts or ends before then (advance() checks this first)
        mask = 0
        until = 1 << 30  # past any run (24 h is under 2**27 ms)
        for start, end, bit in self.spans:
            if start <= t < end:
                mask |= bit
            for edge in (start, end):
                if t < edge < until:
                    until = edge
        self._press_until = until
        if mask != self._mask:
            self._mask = mask
            levels = self._buttons
            active = self._button_active
            for i in range(len(levels)):
                levels[i] = active if (mask >> i) & 1 else 1 - active
