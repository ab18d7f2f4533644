# MicroPython only: the unmodified firmware/boot.py and main.py, with every driver, on the fake
# board of tools/pulseboot/fakeboard, for `pulseboot sim --vm micropython`.
#   micropython -X heapsize=512k tools/mp/sil_shell.py ROOT
# The simulated plant stays on the host (tools/pulseboot/run/vm_link.py, which describes the
# protocol): the fake time.sleep_ms() ends each tick by sending the row and the outputs on
# stderr and reading the sensor readings after the plant's step from stdin. stdout is the
# firmware's console (print, sys.print_exception), kept by the host.
# The device's life (boot, main, reset, tail) is fakeboard/lifecycle.py, as in the CPython shell.
import json
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
sys.path.insert(0, ROOT + "/firmware/lib")  # the firmware's /lib
sys.path.append(ROOT)  # boards/ as the package `boards`, as from /lib on the chip
sys.path.append(ROOT + "/tools")  # pulseboot.fakeboard: MicroPython-compatible

from pulseboot.fakeboard import lifecycle, world as fakes
from pulseboot.fakeboard.clock import VirtualClock

FIELD = 8  # characters per reading in a reply frame, as vm_link.FIELD
_out = sys.stderr  # the protocol; stdout stays the console


def mask(bits):
    m = 0
    for i in range(len(bits)):
        if bits[i]:
            m |= 1 << i
    return m


def ints(values):
    return " ".join([str(v) for v in values])


class Link:
    def __init__(self, sensors):
        self.pending = []
        self.frame = (sensors + 1) * FIELD  # the readings, then a board event
        self.take = sys.stdin.buffer.read

    def send(self, line):
        self.pending.append(line)

    def flush(self):
        if self.pending:
            _out.write("".join(self.pending))
            self.pending = []

    def call(self, line):
        """Send line (after anything pending); the readings the host answers with."""
        self.pending.append(line)
        self.flush()
        data = self.take(self.frame)
        if not data:
            raise SystemExit(0)  # the host went away
        while len(data) < self.frame:
            more = self.take(self.frame - len(data))
            if not more:
                raise ValueError("input ended inside a frame")
            data += more
        return data.split()


def load(path):
    """Import a firmware file (boot.py, main.py or a copy) by its path, as its own module."""
    folder, _, name = path.rpartition("/")
    sys.path.insert(0, folder)
    try:
        return __import__(name[:-3])
    finally:
        sys.path.pop(0)


def main():
    config = json.loads(sys.stdin.readline())
    root = config["root"]
    mod = config["board"].replace("-", "_")
    board = getattr(__import__("boards." + mod), mod).BOARD
    link = Link(len(config["readings"]))

    class LinkedWorld(fakes.World):
        def step_plant(self, ms, outputs):
            values = link.call("A %d %d %d %d %d\n" % (ms, outputs[0], mask(outputs[1]), mask(outputs[2]),
                                                       outputs[3]))
            r = self.readings
            for i in range(len(r)):
                r[i] = int(values[i])
            event = int(values[len(r)])
            if event:  # it happens once the step is over, where the CPython shell injects faults
                self.failing = fakes.BOARD_FAULTS[event - 1]

    spans = [tuple(s) for s in config["spans"]]
    shift = config["shift"]
    world = LinkedWorld(board, None, VirtualClock(), spans, draws=(config["phases"], shift and tuple(shift)),
                        readings=config["readings"])
    world.stop_ms = config["stop_ms"]
    world.failing = None

    def fail_now():
        kind = world.failing
        if kind is not None:
            world.failing = None
            world.fail(kind)

    world.on_advance = fail_now
    paths = {"boot": config["boot"], "main": config["main"]}

    def tick(firmware):
        ctrl = firmware.ctrl
        o = world.outputs
        link.send("T %d %d %d %d %d %d %s %s %d %d %d\n" % (ctrl.state, ctrl.program, ctrl.fault, o[0], mask(o[4]),
                                                            mask(o[5]), ints(ctrl.pressure), ints(ctrl.peak),
                                                            ctrl.session_left_ms, world.led_on(), buzzing(firmware)))

    def buzzing(firmware):
        """The buzzer pin's level; on a board without one, what led.py sounds on it."""
        if "buzzer_pin" in board:
            return world.pin(board["buzzer_pin"]).level
        hw = getattr(firmware, "hw", None)
        return hw.led.buzz if hw is not None else 0

    def tail_row(code, firmware):
        ctrl = firmware.ctrl if firmware is not None else None
        o = world.sample()
        if ctrl is None:
            link.send("X %d -1 -1 %d %d %d\n" % (code, o[0], mask(o[4]), mask(o[5])))
        else:
            link.send("X %d %d %d %d %d %d %s\n" % (code, ctrl.program, ctrl.fault, o[0], mask(o[4]), mask(o[5]),
                                                    ints(ctrl.pressure)))

    ended, feeds, firmware = lifecycle.live(world, lambda name: load(paths[name]), root, config["end_ms"],
                                            config["tail_ms"], tick, tail_row)
    ctrl = firmware.ctrl
    line = "E %s %d" % (ended, feeds)
    if ctrl is not None:
        line += " %d %d %d %d %d %s" % (ctrl.state, ctrl.program, ctrl.cycles, ctrl.limiter.hard_limit,
                                        ctrl.level_in_use(), ints(ctrl.levels))
    link.send(line + "\n")
    link.flush()

try:
    main()
except Exception as e:  # on the console (stdout), which the host quotes when the protocol stops
    sys.print_exception(e)
    sys.exit(1)
