"""A stateful property test of the whole loop (issue: single-fault safety): hypothesis presses
buttons, injects at most one physical fault, and lets time pass, on the firmware's Controller
stepped against the simulated plant; after every 25 ms tick it checks the bounds of the fault
table (tools/pulseboot/safety/table.py):

- no chamber above the hard limit, nor above its recent target + the trip margin (+ the
  fault's stated allowance);
- from the tick after a FAULT latched: pump off, every chamber open to atmosphere, and every
  chamber that can vent below 15 mmHg within 10 s;
- a FAULT clears only by the user's long press of START.

CI draws the same examples every run (the "ci" profile derandomises); for a deeper search run
`HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest host_tests/test_stateful_safety.py`.
"""
import os

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pulseboot import fw, plant
from pulseboot.fakeboard.clock import VirtualClock, ticks_diff
from pulseboot.run.scenario import HOLD_MS, TAP_MS, plant_for
from pulseboot.safety import table

import buttons
import controller
import faults
import topology

TICK = controller.Controller.tick_ms
BOARDS = fw.board_names()
# Faults of the plant (board faults need the device shell: the watchdog and boot.py).
KINDS = [f.kind for f in table.FAULTS if f.kind in plant.FAULTS]
# A START held this long counts as the long press that may clear a fault (the firmware's
# long press, less its debounce: a tap can never get there).
LONG_MS = buttons.Buttons.long_ms - buttons.Buttons.debounce_ms
TARGET_MEMORY_MS = 90_000  # a level change or a new cycle: the bound follows the higher target this long

settings.register_profile("deep", max_examples=300, stateful_step_count=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


class Boot(RuleBasedStateMachine):
    """One boot on one board, from power-on; the rules are what a user and the world can do."""

    @initialize(board=st.sampled_from(BOARDS), preset=st.sampled_from(["small-leg", "large-leg"]),
                program=st.sampled_from(fw.programs.NAMES), seed=st.integers(0, 2**16))
    def power_on(self, board, preset, program, seed):
        self.board = fw.load_board(board)
        index = fw.programs.find(program)
        if not topology.chamber_vents(self.board) and fw.programs.needs_chamber_vents(index):
            index = 0
        self.n = self.board["chambers"]
        self.ctrl = controller.Controller(self.board, ticks_diff, program=index)
        self.plant = plant_for(self.board, plant.PRESETS[preset], seed)
        self.shared_exhaust = self.plant.exhaust_valve
        self.valve_open = [0] * self.n
        self.clock = VirtualClock()
        self.readings = [0] * self.plant.sensors
        self.t = 0
        self.held = {}  # button bit -> ms it stays held
        self.held_ms = {}  # button bit -> ms it has been held so far
        self.long_start = False  # a START held for HOLD_MS since the fault latched
        self.fault = None  # the injected PlantFault kind and chamber
        self.fault_at = None
        self.tripped_at = None
        self.top = [[0, 0] for _ in range(self.n)]  # per chamber: (highest recent target, when)
        self.prev_state = self.ctrl.state

    # ---- what can happen -------------------------------------------------------------
    @rule(button=st.sampled_from(buttons.NAMES), long=st.booleans())
    def press(self, button, long):
        bit = 1 << buttons.NAMES.index(button)
        if bit not in self.held:
            self.held[bit] = HOLD_MS if long else TAP_MS
            self.held_ms[bit] = 0

    @precondition(lambda self: self.fault is None)
    @rule(kind=st.sampled_from(KINDS), chamber=st.integers(0, 7))
    def inject(self, kind, chamber):
        chamber %= self.n
        self.plant.inject(kind, chamber)
        self.fault = table.BY_KIND[kind]
        self.fault_chamber = chamber
        self.fault_at = self.t

    @rule(seconds=st.floats(0.1, 30.0))
    def wait(self, seconds):
        for _ in range(int(seconds * 1000) // TICK):
            self._tick()

    # ---- one tick, checked ---------------------------------------------------------------
    def _tick(self):
        ctrl = self.ctrl
        raw = 0
        for bit in list(self.held):
            raw |= bit
            self.held_ms[bit] += TICK
            if bit == 1 << buttons.START and self.held_ms[bit] >= LONG_MS and ctrl.state == faults.FAULT:
                self.long_start = True
            if self.held_ms[bit] >= self.held[bit]:
                del self.held[bit]
        self.plant.read_sensors(self.readings)
        ctrl.step(self.clock.ticks_ms(), self.readings, raw)
        if self.shared_exhaust:
            exhaust = topology.exhaust_valves(ctrl.inlet, ctrl.vent, self.valve_open)
            self.plant.step(TICK, ctrl.pump, self.valve_open, ctrl.vent, exhaust)
        else:
            self.plant.step(TICK, ctrl.pump, ctrl.inlet, ctrl.vent)
        self.clock.advance(TICK)
        self.t += TICK
        self._check()

    def _check(self):
        ctrl = self.ctrl
        p = self.plant.true_mmhg
        for i in range(self.n):
            target = ctrl.peak[i]
            top = self.top[i]
            if target >= top[0] or self.t - top[1] > TARGET_MEMORY_MS:
                top[0], top[1] = target, self.t
        hard = ctrl.limiter.hard_limit / 10
        allowance = self.fault.allowance_mmhg if self.fault else 0
        for i in range(self.n):
            assert p[i] <= hard, f"chamber {i + 1} at {p[i]:.1f} mmHg, over the hard limit {hard:g}"
            limit = self.top[i][0] / 10 + table.MARGIN_MMHG + allowance
            if self.top[i][0]:
                assert p[i] <= limit, f"chamber {i + 1} at {p[i]:.1f} mmHg, over {limit:.1f} ({self._what()})"
        state = ctrl.state
        if state == faults.FAULT:
            if self.prev_state != faults.FAULT:
                self.tripped_at = self.t
                self.long_start = False
            else:
                assert ctrl.pump == 0 and not any(ctrl.inlet), "outputs not safe in FAULT (%s)" % self._what()
                if self.t - self.tripped_at >= table.VENT_WITHIN_MS:
                    blocked = self.fault.blocks.get(self.board.get("topology")) if self.fault else None
                    for i in range(self.n):
                        if blocked == "all" or (blocked == "chamber" and i == self.fault_chamber):
                            continue
                        assert p[i] < table.SAFE_MMHG, (
                            f"chamber {i + 1} at {p[i]:.1f} mmHg {table.VENT_WITHIN_MS // 1000} s "
                            f"after the trip ({self._what()})")
        elif self.prev_state == faults.FAULT:
            assert self.long_start, "a FAULT cleared without a long START press"
        self.prev_state = state

    def _what(self):
        fault = "no fault" if self.fault is None else "%s on chamber %d at %.2f s" % (
            self.fault.kind, self.fault_chamber + 1, self.fault_at / 1000)
        return "%s, %s, t %.2f s" % (self.board["name"], fault, self.t / 1000)

    @invariant()
    def never_above_the_hard_limit(self):
        if hasattr(self, "plant"):
            assert max(self.plant.true_mmhg) <= self.ctrl.limiter.hard_limit / 10


Boot.TestCase.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("HYPOTHESIS_PROFILE") == "deep":
    Boot.TestCase.settings = settings.get_profile("deep")
TestBoot = Boot.TestCase
