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
# the growth of the heap for those is `fake_pin_bytes`. The fake PWM and NeoPixel stay
# counted, as their real counterparts also live on the heap.
# Prints one line of "key value" pairs for tools/pulseboot/bench.py to read; `modules`
# lists what sys.modules holds at that point (start-up-only modules must be gone).
import gc
import os
import sys

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


def wire():
    mod = NAME.replace("-", "_")
    board = getattr(__import__("boards." + mod), mod).BOARD
    phases = [1] * len(board.get("sensor_data_pins", ()))
    shift = (0, 0) if board.get("valve_driver") == "74hc595" else None
    world = fakes.World(board, None, draws=(phases, shift), readings=[0] * fakes.sensor_count(board))
    made = []
    FakePin = world.machine.Pin

    class Pin(FakePin):
        def __init__(self, pin_id, mode=-1, pull=-1, value=None):
            made.append((pin_id, mode, pull, value))
            FakePin.__init__(self, pin_id, mode, pull, value=value)

    world.machine.Pin = Pin
    sys.modules["machine"] = world.machine
    sys.modules["time"] = world.time
    sys.modules["neopixel"] = world.neopixel
    # The board module is part of the firmware's start-up: out again, imported by boot.py.
    del sys.modules["boards." + mod]
    del sys.modules["boards"]
    return world, FakePin, made


def load(path):
    folder, _, name = path.rpartition("/")
    sys.path.insert(0, folder)
    try:
        return __import__(name[:-3])
    finally:
        sys.path.pop(0)


world, FakePin, made = wire()
figures = []
resident = []  # what sys.modules holds in the control loop
gc.collect()
base = gc.mem_alloc()
fakes_bytes = base - empty


def measure(machine, time, hw, ctrl, wdt_ms=0, keeper=None, telemetry=None):
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
pins = len(made)
gc.collect()
before = gc.mem_alloc()
again = [FakePin(i, m, p, value=v) for i, m, p, v in made]
gc.collect()
fake_pin_bytes = gc.mem_alloc() - before
print("board", NAME, "heap_after_init_bytes", total - fake_pin_bytes, "heap_with_fake_pins_bytes", total,
      "fake_pin_bytes", fake_pin_bytes, "fake_pins", pins, "fakes_bytes", fakes_bytes, "state",
      sys.modules["faults"].STATE_NAMES[main.ctrl.state], "modules", ",".join(sorted(resident)))
