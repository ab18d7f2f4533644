# MicroPython only: the firmware's Controller as a line-oriented process, for `pulseboot sim --vm micropython`.
#   micropython -X heapsize=96k tools/mp/vm_shell.py ROOT
# The simulated plant stays on the host (tools/pulseboot/vmlink.py); this shell runs the control
# core exactly as the device would and exchanges one text line per tick over stdin / stdout.
#
# stdin, first line: JSON {"board": {"name", "chambers", "topology", "sensor_at", "hard_limit_dmmhg"},
#                          "program": INDEX, "level": DMMHG}
# stdout, reply:     "ready N COUNT S" (chambers, programs, sensors), then a state line
# stdin, per tick:   "NOW RAW R1 .. RS" (ticks_ms, button bitmask, S sensor readings), each field
#                    right-aligned in FIELD characters plus a space, the last space a newline: a
#                    fixed-size frame, so it takes one read() instead of one read() per byte
# stdout, per tick:  a state line, space-separated ints:
#   state program fault pump cycles hard_limit P1..PN IN1..INN VENT1..VENTN PEAK1..PEAKN LEVEL1..LEVELCOUNT
# End of input ends the process with status 0; any error ends it with a traceback on stderr and a
# non-zero status.
import json
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
sys.path.insert(0, ROOT + "/firmware/lib")

import controller as C
import programs as P

PERIOD = 1 << 30  # the ESP32's ticks_ms() wraps here, as tools/pulseboot/clock.py
_MAX = PERIOD - 1
_HALF = PERIOD // 2
FIELD = 11  # characters per input field: any 32-bit signed int


def ticks_diff(end, start):
    return ((end - start + _HALF) & _MAX) - _HALF


def main():
    read = sys.stdin.readline
    write = sys.stdout.write
    flush = sys.stdout.flush
    config = json.loads(read())
    ctrl = C.Controller(config["board"], ticks_diff, program=config["program"], level=config["level"])
    n = ctrl.chambers
    count = P.COUNT
    pressure = ctrl.pressure
    inlet = ctrl.inlet
    vent = ctrl.vent
    peak = ctrl.scheduler.peak
    levels = ctrl.levels
    limiter = ctrl.limiter
    scheduler = ctrl.scheduler
    width = 6 + 4 * n + count
    fmt = " ".join(["%d"] * width) + "\n"
    out = [0] * width
    sensors = ctrl.sensors  # one per chamber, or one on the manifold
    readings = [0] * sensors

    def report():
        out[0] = ctrl.state
        out[1] = ctrl.program
        out[2] = ctrl.fault
        out[3] = ctrl.pump
        out[4] = scheduler.cycles
        out[5] = limiter.hard_limit
        k = 6
        for src in (pressure, inlet, vent, peak):
            for i in range(n):
                out[k] = src[i]
                k += 1
        for i in range(count):
            out[k] = levels[i]
            k += 1
        write(fmt % tuple(out))
        flush()

    write("ready %d %d %d\n" % (n, count, sensors))
    report()
    step = ctrl.step
    frame = (sensors + 2) * (FIELD + 1)
    take = sys.stdin.buffer.read
    while True:
        data = take(frame)
        if not data:
            break
        while len(data) < frame:
            more = take(frame - len(data))
            if not more:
                raise ValueError("input ended inside a frame")
            data += more
        fields = data.split()
        if len(fields) != sensors + 2:
            raise ValueError("expected %d fields per tick, got %d" % (sensors + 2, len(fields)))
        for i in range(sensors):
            readings[i] = int(fields[i + 2])
        step(int(fields[0]), readings, int(fields[1]))
        report()


try:
    main()
except Exception as e:  # the unix port prints tracebacks to stdout; the host reads stderr
    sys.print_exception(e, sys.stderr)
    sys.exit(1)
