"""One simulated session, whichever shell runs it: the board, program and level asked for,
the button presses, the physical faults and the plant; one recorder of what happened;
one summary.

Every shell (the control core alone, or main.py and its drivers on the fake board, in
CPython or in the MicroPython VM) is handed a Scenario and a Recorder and returns the
controller's final state; summary() turns the three into the `--summary` object.
"""
from collections import namedtuple

from pulseboot import fw
from pulseboot.plant import PRESETS, Plant

import buttons as fw_buttons  # firmware/lib, importable once fw is loaded
import topology as fw_topology

BUTTONS = fw_buttons.NAMES
Press = namedtuple("Press", "button at_ms long")
PlantFault = namedtuple("PlantFault", "kind at_ms chamber")  # a physical fault, see plant.FAULTS
TAP_MS = 150  # a short press, finger on the button
HOLD_MS = 2000  # a long press
TICK_MS = 25  # the firmware's control period, one trace row each


def button_spans(presses):
    """(start_ms, end_ms, bit) per press, from Press records; ValueError naming a bad button."""
    spans = []
    for p in presses:
        if p.button not in BUTTONS:
            raise ValueError("unknown button %r; allowed: %s" % (p.button, ", ".join(BUTTONS)))
        spans.append((p.at_ms, p.at_ms + (HOLD_MS if p.long else TAP_MS), 1 << BUTTONS.index(p.button)))
    return spans


def plant_for(board_def, params, seed):
    """The simulated plant plumbed like the board: its valves and where its sensors sit."""
    vents = fw_topology.chamber_vents(board_def)
    return Plant(board_def["chambers"], params, seed=seed, vent_valves=vents, exhaust_valve=not vents,
                 manifold_sensor=fw_topology.single_sensor(board_def))


def inject_due(pending, t_ms, plant):
    """Inject the faults of `pending` (PlantFaults by time, consumed) due at t_ms; True if any."""
    injected = False
    while pending and pending[0].at_ms <= t_ms:
        f = pending.pop(0)
        plant.inject(f.kind, f.chamber)
        injected = True
    return injected


def check_program_fits(board_def, index):
    """ValueError when the board's valves cannot run the program."""
    if not fw_topology.chamber_vents(board_def) and fw.programs.needs_chamber_vents(index):
        raise ValueError("program %r needs a vent valve on every chamber; board %s has topology %s"
                         % (fw.programs.NAMES[index], board_def["name"], board_def.get("topology")))


class Scenario:
    """What a run is asked to do. program: an index into programs.PROGRAMS; level: dmmHg
    (0: the program's default); presses: Press records (None: START at 0); plant_faults:
    PlantFault records."""

    def __init__(self, board_def, program, level, duration_ms, params, seed=0, presses=None, plant_faults=()):
        self.board_def = board_def
        self.program = program
        self.level = level
        self.duration_ms = duration_ms
        self.params = params or PRESETS["small-leg"]
        self.seed = seed
        self.presses = [Press("start", 0, False)] if presses is None else list(presses)
        self.spans = button_spans(self.presses)
        self.plant_faults = sorted(plant_faults, key=lambda f: f.at_ms)

    @property
    def chambers(self):
        return self.board_def["chambers"]

    def plant(self):
        return plant_for(self.board_def, self.params, self.seed)


class Recorder:
    """What every shell reports at the end of each control tick becomes a row for on_tick:
        (t_ms, state, program, fault, pump %, p_true_mmhg, s_believed_mmhg, inlet, vent_open)
    and it keeps what the summary needs: the faults as they latched and the last wave's
    targets."""

    def __init__(self, plant, chambers, on_tick=None):
        self.plant = plant
        self.on_tick = on_tick
        self.faults = []  # [{"code", "t_ms"}]
        self.ticks = 0
        self.targets = [0] * chambers  # the last non-empty wave's peak targets, dmmHg
        self._believed = [0.0] * chambers
        self._fault = 0
        self._states = fw.faults.STATE_NAMES
        self._programs = fw.programs.NAMES
        self._fault_names = fw.faults.NAMES

    def tick(self, t, state, program, fault, pump, pressure, peak, inlet, vent):
        """One control tick: indices, pump duty in whole %, belief in dmmHg, valve lists."""
        self.ticks += 1
        if fault != self._fault:
            if fault:
                self.faults.append({"code": self._fault_names[fault], "t_ms": t})
            self._fault = fault
        if peak[0]:
            self.targets[:] = peak
        if self.on_tick is not None:
            self.row(t, self._states[state], program, fault, pump, pressure, inlet, vent)

    def row(self, t, state, program, fault, pump, pressure, inlet, vent):
        """A row; state a name, program/fault indices or None (no controller yet)."""
        if self.on_tick is None:
            return
        believed = self._believed
        if pressure is not None:
            for i in range(len(believed)):
                believed[i] = pressure[i] / 10
        self.on_tick((t, state, "" if program is None else self._programs[program],
                      "" if fault is None else self._fault_names[fault], pump,
                      self.plant.true_mmhg, believed, inlet, vent))


def pump_percent(u16):
    """A pump pin's duty_u16 as the trace's whole percent."""
    return round(u16 * 100 / 65535)


def final_state(ctrl, ended=None):
    """What the summary needs from the controller at the end (None: none was built)."""
    if ctrl is None:
        return None
    state = fw.faults.STATE_NAMES[ctrl.state]
    if ended in ("reset", "wdt", "soft"):
        state = "RESET"
    return {"state": state, "program": ctrl.program, "cycles": ctrl.cycles,
            "hard_limit": ctrl.limiter.hard_limit, "levels": list(ctrl.levels)}


def summary(scenario, rec, final, sim_ms, shell):
    """The `--summary` object: the session that actually ran (after any MODE press)."""
    programs = fw.programs
    index = final["program"]
    targets = rec.targets
    if not targets[0]:  # never ran: what it would have aimed for
        targets = [0] * scenario.chambers
        programs.fill_targets(index, scenario.chambers, final["levels"][index], targets)
    return {
        "program": programs.NAMES[index],
        "board": scenario.board_def["name"],
        "chambers": scenario.chambers,
        "level_mmhg": final["levels"][index] / 10,
        "targets_mmhg": [t / 10 for t in targets],
        "hard_limit_mmhg": final["hard_limit"] / 10,
        "cycles": final["cycles"],
        "faults": rec.faults,
        "state": final["state"],
        "sim_s": sim_ms / 1000,
        "shell": shell,
    }
