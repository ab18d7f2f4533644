# MicroPython only: every control tick runs under micropython.heap_lock(), where any
# heap allocation raises MemoryError. Covers power-on zeroing, button presses, whole
# cycles, pause/resume, level changes, a fault and its clearing, maintenance mode. Run by
# host_tests/test_micropython_vm.py:  micropython -X heapsize=... host_tests/core/alloc.py
import gc
import sys

import micropython

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE)
sys.path.insert(0, HERE + "/../../firmware/lib")

import buttons
import controller
import faults
from support import PERIOD, TICK, board, ticks_diff

CHAMBERS = 8


class Run:
    def __init__(self, topology):
        self.manifold = topology == "inlet+exhaust"
        self.ctrl = controller.Controller(board(CHAMBERS, topology), ticks_diff)
        self.now = PERIOD - 3000
        self.p = [0] * CHAMBERS
        self.raw = [0] * CHAMBERS
        self.ticks = 0
        self.failed = 0
        self.steady_failed = 0

    def tick(self, pressed=0):
        ctrl = self.ctrl
        for i in range(CHAMBERS):  # toy plant, outside the locked region
            if ctrl.inlet[i] and ctrl.pump:
                self.p[i] += 3
            elif ctrl.vent[i]:
                self.p[i] //= 2
            self.raw[i] = self.p[i]
        if self.manifold:  # the one sensor reads the chamber on the manifold, or the vented ones
            self.raw[0] = 0
            for i in range(CHAMBERS):
                if ctrl.inlet[i] or ctrl.vent[i]:
                    self.raw[0] = self.p[i]
                    break
        before = ctrl.state
        gc.collect()
        micropython.heap_lock()
        try:
            ctrl.step(self.now, self.raw, pressed)
            ok = True
        except MemoryError:
            ok = False
        micropython.heap_unlock()
        ctrl.service()  # between ticks, as main.py's loop: the garment check's code comes and goes
        self.ticks += 1
        if not ok:
            self.failed += 1
            if ctrl.state == before:
                self.steady_failed += 1
        self.now = (self.now + TICK) & (PERIOD - 1)

    def run(self, ms, pressed=0):
        for _ in range(ms // TICK):
            self.tick(pressed)

    def press(self, bit, ms=100):
        self.run(ms, 1 << bit)
        self.run(100)


def session(topology):
    r = Run(topology)
    r.run(3000)  # zeroing
    r.press(buttons.UP)
    r.press(buttons.MODE)
    r.press(buttons.MODE)
    r.press(buttons.START)
    r.run(150000)  # whole cycles
    r.press(buttons.START)  # pause
    r.run(2000)
    r.press(buttons.START)  # resume
    r.press(buttons.DOWN)
    r.run(30000)
    r.p[0] = 3000  # a fault: far above the ceiling
    r.run(200)
    r.press(buttons.START, 1700)  # clear
    r.run(1000)
    return r


# A custom program with every optional part: a boost and a clearing phase (wave style).
CUSTOM = ('{"programs": [{"name": "every-part", "style": "wave", "level_mmhg": 40, "overlap_s": 1, '
          '"boost_chamber": 2, "clear_chambers": 2, "clear_passes": 2, "rest_s": 5}]}')


def every_program():
    """Each program (the built-in ones, then a custom one) through whole cycles on the
    vent-per-chamber board, which runs them all."""
    import program_file
    import programs

    runs = []
    for index in range(programs.BUILT_IN + 1):
        r = Run("inlet+vent")
        if index == programs.BUILT_IN:
            program_file.install(program_file.parse(CUSTOM, r.ctrl), r.ctrl)  # (start-up work: not locked)
        r.run(3000)  # zeroing
        assert r.ctrl.select_program(index), programs.NAMES[index]
        r.press(buttons.START)
        r.run(100000)
        assert r.ctrl.cycles >= 1 and r.ctrl.state == faults.RUNNING, programs.NAMES[index]
        runs.append(r)
    program_file.install(((), ()))
    return runs


def maintenance():
    # MODE held from power-on, a tap first (swallowed), then into maintenance mode.
    tap = Run("inlet+vent")
    tap.run(150, 1 << buttons.MODE)
    tap.run(1000)
    hold = Run("inlet+vent")
    hold.run(buttons.MAINTENANCE_HOLD_MS + 500, 1 << buttons.MODE)
    assert hold.ctrl.maintenance and not tap.ctrl.maintenance
    return [tap, hold]


def main():
    # Both regulators: a sensor per chamber, and the single-sensor shared-exhaust build.
    runs = [session("inlet+vent"), session("inlet+exhaust")]
    every = runs + maintenance() + every_program()
    print("ticks", sum(r.ticks for r in every), "allocating_ticks", sum(r.failed for r in every),
          "steady_allocating_ticks", sum(r.steady_failed for r in every),
          "cycles", min(r.ctrl.cycles for r in runs), "state", faults.STATE_NAMES[runs[-1].ctrl.state])


main()
