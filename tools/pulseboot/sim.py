"""Run the firmware against the simulated plant on virtual time.

Two shells around the same Controller the device runs:
- "device" (the default): the unmodified firmware/main.py with every driver, on fake pins
  backed by the plant (software in the loop, sil.py);
- "core": this module's Session, a shell of its own: each 25 ms tick it reads the plant's
  sensors, presses the scripted buttons, calls Controller.step and applies the outputs to
  the plant. Faster, and it takes any board dict (tests draw chamber counts).
Both give the same trace columns and summary keys.
"""
from collections import namedtuple

from . import fw
from .clock import VirtualClock, ticks_diff
from .plant import PRESETS, Plant

import buttons as fw_buttons
import controller as fw_controller
import topology as fw_topology

BUTTONS = fw_buttons.NAMES
Press = namedtuple("Press", "button at_ms long")
PlantFault = namedtuple("PlantFault", "kind at_ms chamber")  # a physical fault, see plant.FAULTS
TAP_MS = 150  # a short press, finger on the button
HOLD_MS = 2000  # a long press
VMS = ("cpython", "micropython")  # where the firmware can run: here, or the MicroPython unix port
SHELLS = ("device", "core")  # main.py and the drivers on fake pins, or the Controller alone


def _button_schedule(presses):
    """(start_ms, end_ms, bit) per press, from Press records."""
    spans = []
    for p in presses:
        if p.button not in BUTTONS:
            raise ValueError("unknown button %r; allowed: %s" % (p.button, ", ".join(BUTTONS)))
        spans.append((p.at_ms, p.at_ms + (HOLD_MS if p.long else TAP_MS), 1 << BUTTONS.index(p.button)))
    return spans


def resolve(board, program, plant):
    """Board dict, program index and plant parameters, or a one-line ValueError."""
    try:
        board_def = fw.load_board(board)
    except KeyError as e:
        raise ValueError(e.args[0]) from None
    index = fw.programs.find(program)
    if index < 0:
        raise ValueError("unknown program %r; allowed: %s" % (program, ", ".join(fw.programs.NAMES)))
    if plant not in PRESETS:
        raise ValueError("unknown plant %r; allowed: %s" % (plant, ", ".join(sorted(PRESETS))))
    return board_def, index, PRESETS[plant]


def run(board=fw.DEFAULT_BOARD, program="gradient", level_mmhg=None, duration_s=600.0,
        plant="small-leg", seed=0, presses=None, on_tick=None, params=None, board_def=None,
        plant_faults=(), vm="cpython", shell=None):
    """Simulate a session; returns the summary dict (see README, `--summary`).

    Tests may pass `params` (plant parameters) and `board_def` (a board dict) directly.
    `vm` is where the firmware runs: "cpython" (this process) or "micropython" (the
    MicroPython unix port, over a pipe; the plant stays here).
    `shell` is one of SHELLS; by default "device", or "core" when `board_def` is given
    (the device boots from a board file, and a board dict need not have one).
    """
    if vm not in VMS:
        raise ValueError("unknown vm %r; allowed: %s" % (vm, ", ".join(VMS)))
    if shell is None:
        shell = "core" if board_def is not None else "device"
    if shell not in SHELLS:
        raise ValueError("unknown shell %r; allowed: %s" % (shell, ", ".join(SHELLS)))
    if board_def is None:
        board_def, index, preset = resolve(board, program, plant)
    else:
        index = fw.programs.find(program)
        preset = PRESETS[plant]
    params = params or preset
    level = 0 if level_mmhg is None else round(level_mmhg * 10)
    if shell == "device":
        return _run_device(board_def, index, program, level, duration_s, params, seed, presses, on_tick,
                           plant_faults, vm)
    clock = VirtualClock()
    if vm == "micropython":
        from .vmlink import RemoteController as make
    else:
        make = fw_controller.Controller
    ctrl = make(board_def, ticks_diff, program=index, level=level)
    try:
        if ctrl.program != index:
            raise ValueError("program %r needs a vent valve on every chamber; board %s has topology %s"
                             % (program, board_def["name"], board_def.get("topology")))
        session = Session(ctrl, plant_for(board_def, params, seed), clock)
        spans = _button_schedule([Press("start", 0, False)] if presses is None else presses)
        session.plant_faults = sorted(plant_faults, key=lambda f: f.at_ms)
        session.run(int(duration_s * 1000), spans, on_tick)
        return dict(session.summary(board_def, index), shell="core")
    finally:
        if vm == "micropython":
            ctrl.close()


def _run_device(board_def, index, program, level, duration_s, params, seed, presses, on_tick, plant_faults, vm):
    from . import sil

    try:
        on_file = fw.load_board(board_def["name"]) == board_def
    except KeyError:
        on_file = False
    if not on_file:
        raise ValueError("board %s: the device shell boots from a board file in boards/; "
                         "a board dict runs on shell 'core'" % board_def["name"])
    if not fw_topology.chamber_vents(board_def) and fw.programs.needs_chamber_vents(index):
        raise ValueError("program %r needs a vent valve on every chamber; board %s has topology %s"
                         % (program, board_def["name"], board_def.get("topology")))
    presses = [Press("start", 0, False)] if presses is None else presses
    _button_schedule(presses)  # unknown buttons: the same one-line error as the core shell
    summary = sil.simulate(board_def, index, level, int(duration_s * 1000), params, seed, presses, on_tick,
                           sorted(plant_faults, key=lambda f: f.at_ms), vm)
    return dict(summary, shell="device")


def plant_for(board_def, params, seed):
    """The simulated plant plumbed like the board: its valves and where its sensors sit."""
    vents = fw_topology.chamber_vents(board_def)
    return Plant(board_def["chambers"], params, seed=seed, vent_valves=vents, exhaust_valve=not vents,
                 manifold_sensor=fw_topology.single_sensor(board_def))


class Session:
    """The loop, kept apart from argument handling so tests can poke at it."""

    tick_ms = fw_controller.Controller.tick_ms

    def __init__(self, ctrl, plant, clock):
        self.ctrl = ctrl
        self.plant = plant
        self.clock = clock
        self.faults = []  # [{"code", "t_ms"}] each time a fault latched
        self.targets = [0] * ctrl.chambers  # last non-empty cycle targets
        self.plant_faults = []  # PlantFault records, by time

    def run(self, duration_ms, spans, on_tick=None):
        ctrl, plant, clock = self.ctrl, self.plant, self.clock
        n = ctrl.chambers
        readings = [0] * plant.sensors
        shared_exhaust = plant.exhaust_valve
        valve_open = [0] * n  # inlet valves on a shared-exhaust board (see topology.py)
        believed = [0.0] * n
        names = fw_controller.STATE_NAMES
        fault_names = fw.faults.NAMES
        program_names = fw.programs.NAMES
        tick = self.tick_ms
        last_fault = 0
        t = 0
        pending = list(self.plant_faults)
        while t <= duration_ms:
            while pending and pending[0].at_ms <= t:
                f = pending.pop(0)
                plant.inject(f.kind, f.chamber)
            plant.read_sensors(readings)
            raw = 0
            for start, end, bit in spans:
                if start <= t < end:
                    raw |= bit
            ctrl.step(clock.ticks_ms(), readings, raw)
            if ctrl.fault != last_fault:
                if ctrl.fault:
                    self.faults.append({"code": fault_names[ctrl.fault], "t_ms": t})
                last_fault = ctrl.fault
            peak = ctrl.peak
            if peak[0]:
                self.targets[:] = peak
            if on_tick is not None:
                pressure = ctrl.pressure
                for i in range(n):
                    believed[i] = pressure[i] / 10
                on_tick((t, names[ctrl.state], program_names[ctrl.program], fault_names[ctrl.fault],
                         ctrl.pump, plant.true_mmhg, believed, ctrl.inlet, ctrl.vent))
            if shared_exhaust:
                exhaust = fw_topology.exhaust_valves(ctrl.inlet, ctrl.vent, valve_open)
                plant.step(tick, ctrl.pump, valve_open, ctrl.vent, exhaust)
            else:
                plant.step(tick, ctrl.pump, ctrl.inlet, ctrl.vent)
            clock.advance(tick)
            t += tick
        self.sim_ms = t - tick

    def summary(self, board_def, index):
        ctrl = self.ctrl
        targets = self.targets
        if not targets[0]:  # never ran: what it would have aimed for
            fw.programs.fill_targets(index, ctrl.chambers, ctrl.levels[index], targets)
        return {
            "program": fw.programs.NAMES[ctrl.program],
            "board": board_def["name"],
            "chambers": ctrl.chambers,
            "level_mmhg": ctrl.levels[index] / 10,
            "targets_mmhg": [t / 10 for t in targets],
            "hard_limit_mmhg": ctrl.limiter.hard_limit / 10,
            "cycles": ctrl.cycles,
            "faults": self.faults,
            "state": fw_controller.STATE_NAMES[ctrl.state],
            "sim_s": self.sim_ms / 1000,
        }
