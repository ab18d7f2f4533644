"""One simulated session, whichever shell runs it: the board, program and level asked for,
the button presses, the physical faults and the plant; one recorder of what happened;
one summary.

Every shell (the control core alone, or main.py and its drivers on the fake board, in
CPython or in the MicroPython VM) is handed a Scenario and a Recorder and returns the
controller's final state; summary() turns the three into the `--summary` object.
"""
from collections import namedtuple

from pulseboot import fw
from pulseboot.fakeboard.world import BOARD_FAULTS
from pulseboot.plant import FAULTS as PLANT_FAULTS
from pulseboot.plant import PRESETS, Plant, analog
from pulseboot.report.levels import LOWERED_BY

import buttons as fw_buttons  # firmware/lib, importable once fw is loaded
import topology as fw_topology

BUTTONS = fw_buttons.NAMES
Press = namedtuple("Press", "button at_ms long")
PlantFault = namedtuple("PlantFault", "kind at_ms chamber")  # a physical fault, see plant.FAULTS
TAP_MS = 150  # a short press, finger on the button
HOLD_MS = 2000  # a long press
TICK_MS = 25  # the firmware's control period, one trace row each
# A button must stay released this long between two presses for the firmware to see two:
# its debounce time, in whole ticks (a shorter gap can fall between two samples).
RELEASE_MS = -(-fw_buttons.Buttons.debounce_ms // TICK_MS) * TICK_MS
FAULT_KINDS = PLANT_FAULTS + BOARD_FAULTS  # what `--fault` can inject


def button_spans(presses):
    """(start_ms, end_ms, bit) per press, from Press records; ValueError naming a bad button."""
    spans = []
    for p in presses:
        if p.button not in BUTTONS:
            raise ValueError("unknown button %r; allowed: %s" % (p.button, ", ".join(BUTTONS)))
        spans.append((p.at_ms, press_end_ms(p), 1 << BUTTONS.index(p.button)))
    return spans


def press_end_ms(press):
    """When the button of a Press is let go: `long` is True (HOLD_MS), False (TAP_MS) or,
    for tests, how long it is held in ms."""
    if press.long is True or press.long is False:
        return press.at_ms + (HOLD_MS if press.long else TAP_MS)
    return press.at_ms + press.long


def press_clash(presses):
    """(earlier, later): the first two presses of one button the firmware would take for
    one (the later starts before the earlier is released, or within RELEASE_MS of it);
    None when every press stands alone."""
    ordered = sorted(enumerate(presses), key=lambda ip: (ip[1].at_ms, ip[0]))
    last = {}
    for _, p in ordered:
        before = last.get(p.button)
        if before is not None and p.at_ms < press_end_ms(before) + RELEASE_MS:
            return before, p
        last[p.button] = p
    return None


def plant_for(board_def, params, seed):
    """The simulated plant plumbed like the board: its valves and where its sensors sit."""
    vents = fw_topology.chamber_vents(board_def)
    if analog.is_analog(board_def):  # read_sensors gives each ADC pin's raw value
        return analog.AnalogPlant(board_def["chambers"], params, seed=seed, vent_valves=vents,
                                  exhaust_valve=not vents, manifold_sensor=fw_topology.single_sensor(board_def))
    return Plant(board_def["chambers"], params, seed=seed, vent_valves=vents, exhaust_valve=not vents,
                 manifold_sensor=fw_topology.single_sensor(board_def))


def inject_due(pending, t_ms, plant, board=None):
    """Inject the faults of `pending` (PlantFaults by time, consumed) due at t_ms: a plant
    fault into the plant, a board fault (hang, power-cycle) into the fake board, whose
    fail() may raise out of the firmware. True if any plant fault was injected."""
    injected = False
    while pending and pending[0].at_ms <= t_ms:
        if pending[0].kind in BOARD_FAULTS and board is None:
            break  # no board yet (power-on): it happens at the first tick
        f = pending.pop(0)
        if f.kind in BOARD_FAULTS:
            board.fail(f.kind)
        else:
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
    PlantFault records; session_min: the session length the firmware is given (None: its
    default); on_event: called as on_event(t_ms, key, value) with what the firmware decided at
    that tick beyond a row's columns (Recorder: the wave's targets, a session's end)."""

    def __init__(self, board_def, program, level, duration_ms, params, seed=0, presses=None, plant_faults=(),
                 session_min=None, on_event=None):
        self.board_def = board_def
        self.on_event = on_event
        self.program = program
        self.level = level
        self.duration_ms = duration_ms
        self.params = params or PRESETS["small-leg"]
        self.seed = seed
        self.session_min = fw.limits.SESSION_DEFAULT_MIN if session_min is None else session_min
        if not fw.limits.SESSION_MIN_MIN <= self.session_min <= fw.limits.SESSION_MAX_MIN:
            raise ValueError("session_min %r: expected whole minutes from %d to %d" % (
                self.session_min, fw.limits.SESSION_MIN_MIN, fw.limits.SESSION_MAX_MIN))
        self.presses = [Press("start", 0, False)] if presses is None else list(presses)
        clash = press_clash(self.presses)
        if clash:
            raise ValueError("presses %s@%gs and %s@%gs overlap: the firmware would see one press" % (
                clash[0].button, clash[0].at_ms / 1000, clash[1].button, clash[1].at_ms / 1000))
        self.spans = button_spans(self.presses)
        self.plant_faults = sorted(plant_faults, key=lambda f: f.at_ms)
        for f in self.plant_faults:
            if f.kind not in FAULT_KINDS:
                raise ValueError("unknown fault %r; allowed: %s" % (f.kind, ", ".join(FAULT_KINDS)))
            if not 0 <= f.chamber < self.chambers:
                raise ValueError("fault %s on chamber %d: board %s has chambers 1 to %d"
                                 % (f.kind, f.chamber + 1, board_def["name"], self.chambers))

    @property
    def board_faults(self):
        """True when a fault of the board itself (BOARD_FAULTS) is asked for."""
        return any(f.kind in BOARD_FAULTS for f in self.plant_faults)

    @property
    def chambers(self):
        return self.board_def["chambers"]

    def plant(self):
        return plant_for(self.board_def, self.params, self.seed)


# Why a session (RUNNING or PAUSED) ended, by the state the controller went to.
SESSION_TIME_UP = "time up"  # IDLE with the session's time used up (session_min)
SESSION_STOPPED = "long START"  # IDLE before that: stopped by hand
SESSION_FAULT = "fault"  # a fault latched (see faults)
SESSION_RESET = "reset"  # the board reset and is zeroing again


class Recorder:
    """What every shell reports at the end of each control tick becomes a row for on_tick:
        (t_ms, state, program, fault, pump %, p_true_mmhg, s_believed_mmhg, inlet, vent_open)
    and it keeps what the summary needs: the faults as they latched, the last wave's
    targets and where each session ended and why. on_event, if given, hears of the last two
    as they happen, before that tick's row: on_event(t_ms, "targets", [mmHg per chamber]) when
    a wave's targets change, on_event(t_ms, "end", reason) when a session ends, and
    on_event(t_ms, "indicators", (led, buzzer)) when the status LED or the buzzer turns on or
    off (1 = lit / sounding; the trace's led and buzzer columns)."""

    def __init__(self, plant, chambers, on_tick=None, on_event=None):
        self.plant = plant
        self.on_tick = on_tick
        if hasattr(on_tick, "bind"):
            on_tick.bind(plant)  # a row reader that also asks the plant (report/steady.py)
        self.on_event = on_event
        self.faults = []  # [{"code", "t_ms"}]
        self.session_ends = []  # [{"t_ms", "reason"}], reason one of the SESSION_ texts
        self._state = fw.faults.ZEROING
        self.ticks = 0
        self.targets = [0] * chambers  # the last non-empty wave's peak targets, dmmHg
        self._believed = [0.0] * chambers
        self._fault = 0
        self._states = fw.faults.STATE_NAMES
        self._programs = fw.programs.NAMES
        self._fault_names = fw.faults.NAMES
        self.indicators = (0, 0)  # (led, buzzer) now

    def tick(self, t, state, program, fault, pump, pressure, peak, inlet, vent, session_left_ms=1, led=0, buzzer=0):
        """One control tick: indices, pump duty in whole %, belief in dmmHg, valve lists,
        the controller's session_left_ms (<= 0: the session's time is up), and whether the
        status LED is lit and the buzzer sounding at the end of the tick."""
        self.ticks += 1
        self.light(t, led, buzzer)
        if state != self._state:
            self._state_changed(t, state, session_left_ms)
        if fault != self._fault:
            if fault:
                self.faults.append({"code": self._fault_names[fault], "t_ms": t})
            self._fault = fault
        if peak[0]:
            if self.on_event is not None and any(a != b for a, b in zip(peak, self.targets)):
                self.on_event(t, "targets", [v / 10 for v in peak])
            self.targets[:] = peak
        if self.on_tick is not None:
            self.row(t, self._states[state], program, fault, pump, pressure, inlet, vent)

    def light(self, t, led, buzzer):
        """The status LED and the buzzer at t (also for a row with no controller tick)."""
        now = (1 if led else 0, 1 if buzzer else 0)
        if now != self.indicators:
            self.indicators = now
            if self.on_event is not None:
                self.on_event(t, "indicators", now)

    def _state_changed(self, t, state, session_left_ms):
        faults = fw.faults
        was, self._state = self._state, state
        if was not in (faults.RUNNING, faults.PAUSED) or state in (faults.RUNNING, faults.PAUSED):
            return  # not a session that ends here
        if state == faults.IDLE:
            reason = SESSION_TIME_UP if session_left_ms <= 0 else SESSION_STOPPED
        else:
            reason = SESSION_FAULT if state == faults.FAULT else SESSION_RESET
        self.session_ends.append({"t_ms": t, "reason": reason})
        if self.on_event is not None:
            self.on_event(t, "end", reason)

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
            "hard_limit": ctrl.limiter.hard_limit, "levels": list(ctrl.levels), "level_in_use": ctrl.level_in_use()}


def summary(scenario, rec, final, sim_ms, shell):
    """The `--summary` object: the session that actually ran (after any MODE press).
    level_mmhg is the level the firmware uses (Controller.level_in_use), which may be lower
    than the one chosen, level_requested_mmhg; level_lowered_by says why (or is None)."""
    programs = fw.programs
    index = final["program"]
    requested = final["levels"][index]
    applied = final["level_in_use"]
    targets = rec.targets
    if not targets[0]:  # never ran: what it would have aimed for
        targets = [0] * scenario.chambers
        programs.fill_targets(index, scenario.chambers, applied, targets)
    return {
        "program": programs.NAMES[index],
        "board": scenario.board_def["name"],
        "chambers": scenario.chambers,
        "level_requested_mmhg": requested / 10,
        "level_mmhg": applied / 10,
        "level_lowered_by": LOWERED_BY if applied < requested else None,
        "targets_mmhg": [t / 10 for t in targets],
        "hard_limit_mmhg": final["hard_limit"] / 10,
        "cycles": final["cycles"],
        "faults": rec.faults,
        "injected": [{"kind": f.kind, "chamber": f.chamber + 1, "t_ms": f.at_ms} for f in scenario.plant_faults],
        "state": final["state"],
        "session_min": scenario.session_min,
        "session_ends": rec.session_ends,
        "sim_s": sim_ms / 1000,
        "shell": shell,
    }
