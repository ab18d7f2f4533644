# MicroPython only: time the control tick, and the heap the control core alone holds once built
# (heap_after_init_core_bytes; the firmware's whole start-up is tools/mp/bench_heap.py).
#   micropython -X heapsize=... tools/mp/bench_tick.py ROOT [TICKS]
# Prints one line of "key value" pairs for tools/pulseboot/bench.py to read.
import array
import gc
import sys
import time

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
TICKS = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
sys.path.insert(0, ROOT + "/firmware/lib")
CHAMBERS = 8
PERIOD = 1 << 30


def ticks_diff(end, start):
    return ((end - start + PERIOD // 2) & (PERIOD - 1)) - PERIOD // 2


gc.collect()
base = gc.mem_alloc()
import controller
import faults

board = {"name": "bench-8ch", "chambers": CHAMBERS, "topology": "inlet+vent", "hard_limit_dmmhg": 2000}
ctrl = controller.Controller(board, ticks_diff)
gc.collect()
heap_after_init = gc.mem_alloc() - base

p = [0] * CHAMBERS
now = PERIOD - 3000
_TOP_US = 1023
counts = array.array("H", bytes(2 * (_TOP_US + 1)))  # histogram of tick times: no big list to sort
start_pressed = 0


def plant():
    for i in range(CHAMBERS):
        if ctrl.inlet[i] and ctrl.pump:
            p[i] += 3
        elif ctrl.vent[i]:
            p[i] //= 2


for k in range(120 + TICKS):  # zeroing (~2.5 s) first, then START, then steady running
    plant()
    buttons = 1 if 110 <= k < 116 else 0
    t0 = time.ticks_us()
    ctrl.step(now, p, buttons)
    t1 = time.ticks_us()
    if k >= 120:
        d = time.ticks_diff(t1, t0)
        counts[d if d < _TOP_US else _TOP_US] += 1
    now = (now + 25) & (PERIOD - 1)



def percentile(q):
    want = TICKS * q // 100
    seen = 0
    for us in range(_TOP_US + 1):
        seen += counts[us]
        if seen > want:
            return us
    return _TOP_US


n = TICKS
print("tick_us_median", percentile(50), "tick_us_p10", percentile(10), "tick_us_p90", percentile(90),
      "ticks", n, "heap_after_init_core_bytes", heap_after_init, "state", faults.STATE_NAMES[ctrl.state])
