# MicroPython only: the firmware's heap after start-up, as on the device.
#   micropython -X heapsize=... tools/mp/bench_heap.py ROOT BUILD
# BUILD is a `pulseboot build --out BUILD` directory (boot.py, main.py, lib/*.mpy,
# lib/boards/<board>.mpy, board.txt); its board.txt names the board. ROOT is the repo, for
# the fake `machine`, `time` and `neopixel` (tools/pulseboot/fakeboard).
#
# Method: the fakes are imported and a fake board is wired first; then gc.collect() and
# gc.mem_alloc() give the base. boot.py and main.py run from BUILD as on the chip (the
# .mpy modules from BUILD/lib), and main.main() runs its real start-up (board file, Device,
# Controller, settings keeper, LED) up to the control loop, where the measurement stands in
# for run(): gc.collect() (main.py's own, just before run()) and gc.mem_alloc() - base.
# What that includes of the fakes themselves is taken off: every fake Pin the firmware
# made (on the ESP32 a Pin is a static object, no heap) is made again afterwards, and
# the growth of the heap for those is `fake_pin_bytes`; likewise every fake ADC (on the ESP32 an
# ADC channel is a static object too, machine_adc.c). The fake PWM and NeoPixel stay counted,
# as their real counterparts also live on the heap.
# Prints one line of "key value" pairs for tools/pulseboot/bench.py to read; `modules`
# lists what sys.modules holds at that point (start-up-only modules must be gone).
import gc
import os
import sys
from array import array

ROOT = sys.argv[1]
# Run from inside BUILD, as from the chip's root: every module keeps its file name on the
# heap, so paths must be as short as the device's ("lib/x.mpy"), whatever BUILD is.
os.chdir(sys.argv[2])
BUILD = "."
sys.path.insert(0, "lib")  # the device's /lib, where boards/ is too
sys.path.append(ROOT + "/tools")  # pulseboot.fakes: MicroPython-compatible

gc.collect()
empty = gc.mem_alloc()

from pulseboot.fakeboard import world as fakes

with open(BUILD + "/board.txt") as f:
    NAME = f.readline().strip()


class Stop(BaseException):
    pass


class Made:
    """The Pins and ADCs the firmware made, four small ints each, in room set aside beforehand."""

    ROOM = 48  # of each kind

    def __init__(self):
        self.pins = [array("i", bytes(16 * self.ROOM)), 0]  # (id, mode, pull, value) each; how many
        self.adcs = [array("i", bytes(16 * self.ROOM)), 0]  # (id, atten, 0, 0) each

    def note(self, kind, a, b, c, d):
        data, i = kind
        if i >= self.ROOM:
            raise SystemExit("bench_heap: more than %d pins or ADCs; raise Made.ROOM" % self.ROOM)
        data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3] = a, b, c, d
        kind[1] = i + 1

    def each(self, kind):
        data, n = kind
        return [(data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]) for i in range(n)]


def wire():
    mod = NAME.replace("-", "_")
    board = getattr(__import__("boards." + mod), mod).BOARD
    phases = [1] * len(board.get("sensor_data_pins", ()))
    shift = (0, 0) if board.get("valve_driver") == "74hc595" else None
    world = fakes.World(board, None, draws=(phases, shift), readings=[0] * fakes.sensor_count(board))
    # What the firmware makes is noted in arrays made here, before the measurement starts: a
    # list of tuples filled during start-up would be counted as the firmware's own heap.
    made = Made()
    # Every GPIO's simulated state is made now too (the World makes one when a pin is first
    # asked for): on the chip a pin's state is the silicon's, no heap.
    for gpio in range(49):
        world.pin(gpio)
    FakePin = world.machine.Pin
    FakeADC = world.machine.ADC

    class Pin(FakePin):
        def __init__(self, pin_id, mode=-1, pull=-1, value=None):
            made.note(made.pins, pin_id, mode, pull, -1 if value is None else value)
            FakePin.__init__(self, pin_id, mode, pull, value=value)

    class ADC(FakeADC):
        def __init__(self, dest, *, atten=None):
            made.note(made.adcs, getattr(dest, "id", dest), -1 if atten is None else atten, 0, 0)
            FakeADC.__init__(self, dest, atten=atten)

    world.machine.Pin = Pin
    world.machine.ADC = ADC
    sys.modules["machine"] = world.machine
    sys.modules["time"] = world.time
    sys.modules["neopixel"] = world.neopixel
    # The board module is part of the firmware's start-up: out again, imported by boot.py.
    del sys.modules["boards." + mod]
    del sys.modules["boards"]
    return world, FakePin, FakeADC, made


def load(path):
    folder, _, name = path.rpartition("/")
    sys.path.insert(0, folder)
    try:
        return __import__(name[:-3])
    finally:
        sys.path.pop(0)


world, FakePin, FakeADC, made = wire()
figures = []
resident = []  # what sys.modules holds in the control loop
gc.collect()
base = gc.mem_alloc()
fakes_bytes = base - empty


def scrub(depth):
    """Overwrite the C stack below here with small ints. MicroPython's collector is conservative:
    a word left on the stack by start-up's deeper calls that happens to hold the address of a
    dropped object keeps it alive. On the chip the loop's own calls overwrite such words and the
    next collection frees it; here, where the stack's contents depend on the lengths of the
    paths in argv, it made the figure jump by 1.7 KB from one directory to another."""
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = b8 = b9 = 0
    if depth:
        scrub(depth - 1)
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9


def measure(machine, time, hw, ctrl, wdt_ms=0, keeper=None, telemetry=None):
    scrub(60)  # deeper than start-up's deepest call chain
    gc.collect()
    figures.append(gc.mem_alloc() - base)
    resident.extend(k for k in sys.modules if not k.startswith("pulseboot"))
    raise Stop()


boot = load(BUILD + "/boot.py")
boot.safe_outputs(BUILD)
boot = None  # as boot.py itself does on the chip: its code runs once
sys.modules.pop("boot")
main = load(BUILD + "/main.py")
main.run = measure
try:
    main.main(BUILD)
except Stop:
    pass
if not figures:
    raise SystemExit("main.main() returned before the control loop")
total = figures[0]
pins, adcs = made.each(made.pins), made.each(made.adcs)
again = [None] * (len(pins) + len(adcs))  # (made before measuring: only the objects count)
gc.collect()
before = gc.mem_alloc()
for k in range(len(pins)):
    i, m, p, v = pins[k]
    again[k] = FakePin(i, m, p, value=None if v == -1 else v)
for k in range(len(adcs)):
    i, a, _, _ = adcs[k]
    again[len(pins) + k] = FakeADC(i, atten=None if a == -1 else a)  # (by number: its Pin is counted above)
gc.collect()
fake_pin_bytes = gc.mem_alloc() - before
print("board", NAME, "heap_after_init_bytes", total - fake_pin_bytes, "heap_with_fake_pins_bytes", total,
      "fake_pin_bytes", fake_pin_bytes, "fake_pins", len(pins), "fakes_bytes", fakes_bytes, "state",
      __import__("faults").STATE_NAMES[main.ctrl.state], "modules", ",".join(sorted(resident)))
