"""The fault matrix: every fault kind x program x plant x board x phase (filling, holding,
resting), each run on the device shell (main.py and its drivers on the fake board), its
bounds read from the trace and checked against the fault table (table.py).

A row's injection time comes from a healthy reference run with the same board, program,
plant and seed: up to the injection the faulted run is that run, tick for tick. `limb=True`
(`pulseboot faults --limb`) runs the leg presets with the whole limb model on instead
(plant/presets.py, LIMB_PRESETS: tissue creep, neighbour coupling, the wearer's pulse and
movements), its plants named "limb:small-leg" and "limb:large-leg".
"""
import contextlib
import io
import multiprocessing
from collections import namedtuple

from pulseboot import fw, run
from pulseboot.plant import LIMB_PRESETS
from pulseboot.run.scenario import check_program_fits
from pulseboot.safety import table

PHASES = ("filling", "holding", "resting")
PLANTS = ("small-leg", "large-leg")
LIMB = "limb:"  # a plant name's prefix: the preset with the whole limb model on
AFTER_MS = 100_000  # the run goes on this long after the injection: a rest, a fill, a trip, a vent
REFERENCE_MS = 90_000  # the healthy run the phases are found in: zeroing and the first wave
SEED = 1

Case = namedtuple("Case", "kind board program plant phase")
Row = namedtuple("Row", "kind board program plant phase chamber at_ms detected code latency_ms max_mmhg "
                        "limit_mmhg vented_ms ok why note")


def _preset(plant):
    return plant[len(LIMB):] if plant.startswith(LIMB) else plant


def _params(plant):
    """The plant's parameters: None for a plain preset, the limb model's for a "limb:" one."""
    return LIMB_PRESETS[_preset(plant)] if plant.startswith(LIMB) else None


def cases(quick=False, limb=False):
    """Every case the matrix runs; quick: one plant, one program per board, two phases;
    limb: on the leg presets with the whole limb model on."""
    out = []
    for board in fw.board_names():
        board_def = fw.load_board(board)
        programs = []
        for name in fw.programs.NAMES:
            try:
                check_program_fits(board_def, fw.programs.find(name))
            except ValueError:
                continue
            programs.append(name)
        plants = [LIMB + p if limb else p for p in (PLANTS[:1] if quick else PLANTS)]
        phases = ("filling", "holding") if quick else PHASES
        for program in programs[:1] if quick else programs:
            for plant in plants:
                for phase in phases:
                    for f in table.FAULTS:
                        out.append(Case(f.kind, board, program, plant, phase))
    return out


class _Timeline:
    """What a run did, tick by tick, as the matrix needs it."""

    def __init__(self):
        self.t = []
        self.pump = []
        self.p = []
        self.inlet = []
        self.vent = []
        self.state = []

    def __call__(self, row):
        t, state, _program, _fault, pump, p, _s, inlet, vent = row
        self.t.append(t)
        self.state.append(state)
        self.pump.append(pump)
        self.p.append(tuple(p))
        self.inlet.append(tuple(inlet))
        self.vent.append(tuple(vent))


_references = {}


def _reference(board, program, plant):
    key = (board, program, plant)
    if key not in _references:
        line = _Timeline()
        with contextlib.redirect_stdout(io.StringIO()):
            summary = run.simulate(board=board, program=program, plant=_preset(plant), params=_params(plant),
                                   seed=SEED, duration_s=(REFERENCE_MS + AFTER_MS) / 1000, on_tick=line)
        _references[key] = (line, summary)
    return _references[key]


def _first_span(line, test, least_ms=0):
    """(first, last) tick indices of the first run of ticks, at least least_ms long, where
    test(i) holds."""
    i = 0
    while True:
        first = next(j for j in range(i, len(line.t)) if test(j))
        last = first
        while last + 1 < len(line.t) and test(last + 1):
            last += 1
        if line.t[last] - line.t[first] >= least_ms or last + 1 >= len(line.t):
            return first, last
        i = last + 1


def _phase_time(line, phase, k, targets):
    """When to inject: mid-fill of chamber k, mid-hold of it, or 10 s into the first rest."""
    if phase == "filling":
        # The wave's fill, not the garment check's short pulse at START (which leaves every
        # chamber near 1 mmHg): the first feeding once some chamber is above 5 mmHg, to the
        # middle of its feeding time while it has FILL_ROOM_MMHG or more to go (on a limb a held
        # chamber's top-up can break a fill into bursts: pauses shorter than FILL_GAP_MS belong
        # to it; the single-sensor build's last small pulses are no longer a fill's middle).
        fed = [i for i in range(len(line.t)) if line.pump[i] and line.inlet[i][k]]
        fed = [i for i in fed if max(line.p[i]) > table.VENTED_MMHG and line.p[i][k] < targets[k] - FILL_ROOM_MMHG]
        fill = fed[:1]
        for i in fed[1:]:
            if line.t[i] - line.t[fill[-1]] > FILL_GAP_MS:
                break
            fill.append(i)
        return line.t[fill[len(fill) // 2]]
    elif phase == "holding":
        # A hold, not the pause in which a fill settles before its top-up.
        first, last = _first_span(line, lambda i: not line.inlet[i][k] and not line.vent[i][k]
                                  and line.p[i][k] > targets[k] / 2, HOLD_SPAN_MS)
    else:
        top = 0.0
        for i in range(len(line.t)):
            top = max(top, *line.p[i])
            if top > 10 and all(line.vent[i]) and max(line.p[i]) < table.VENTED_MMHG:
                return line.t[i] + 10_000
        raise ValueError("no rest in the reference run")
    return line.t[(first + last) // 2]


def chamber_for(phase, chambers):
    """Which chamber a phase's fault goes on (0 = distal): the second fills, the first holds
    longest, the last is the one a rest leaves longest untouched."""
    return {"filling": min(1, chambers - 1), "holding": 0, "resting": chambers - 1}[phase]


HOLD_SPAN_MS = 1000  # a hold lasts this long at least (a fill's settling pause is 0.3 s)
FILL_GAP_MS = 500  # a fill's feeding may pause this long (another chamber's top-up) and go on
FILL_ROOM_MMHG = 5.0  # a fill shows a fault only while the chamber still has this far to rise
HOLD_SHOWS_MS = table.LEAK_SHOWS_MS  # a hold shows a leak once the chamber has been held this long in one cycle


def _shows_at(line, shows, k, at, targets):
    """When a fault injected at `at` on chamber k can first be seen in the faulted run's
    timeline (None: not in this run): the firmware's own reaction counts (a top-up into a
    chamber whose reading dropped is a fill).
    fill: the pump feeds the chamber while it is still FILL_ROOM_MMHG or more below its target
      (a fill that is all but over cannot show a kink or a weak pump);
    hold: the chamber held (inlet and vent shut, above VENTED_MMHG) for HOLD_SHOWS_MS in one
      vent-to-vent cycle, top-ups between; from the start of that hold (on a limb a leak is told
      from the tissue's creep only once the creep is spent, table.LEAK_SHOWS_MS);
    vent: its vent opens while it is pressurised (on an empty chamber there is nothing to vent)."""
    if shows == "now":
        return at
    start = line.t.index(at) if at in line.t else 0
    prev_vent = line.vent[start - 1][k] if start else 1
    held_since = None
    held_ms = 0
    for i in range(start, len(line.t)):
        p = line.p[i][k]
        if shows == "fill" and line.pump[i] and line.inlet[i][k] and p < targets[k] - FILL_ROOM_MMHG:
            return line.t[i]
        if shows == "hold":
            if line.vent[i][k]:
                held_since, held_ms = None, 0
            elif not line.inlet[i][k] and p > table.VENTED_MMHG:
                held_since = line.t[i] if held_since is None else held_since
                held_ms += line.t[i] - line.t[i - 1] if i else 0
                if held_ms >= HOLD_SHOWS_MS:
                    return held_since
        if shows == "vent" and line.vent[i][k] and not prev_vent and p > table.VENTED_MMHG:
            return line.t[i]
        prev_vent = line.vent[i][k]
    return None


def run_case(case):
    """One row of the matrix."""
    board_def = fw.load_board(case.board)
    n = board_def["chambers"]
    topology = board_def.get("topology")
    ref, ref_summary = _reference(case.board, case.program, case.plant)
    targets = ref_summary["targets_mmhg"]
    k = chamber_for(case.phase, n)
    at = _phase_time(ref, case.phase, k, targets)
    fault = table.BY_KIND[case.kind]
    line = _Timeline()
    # The run goes on past the window a detection counts in, so the venting after it shows.
    with contextlib.redirect_stdout(io.StringIO()):  # the firmware's console (trips, notices)
        summary = run.simulate(board=case.board, program=case.program, plant=_preset(case.plant),
                               params=_params(case.plant), seed=SEED,
                               duration_s=(at + AFTER_MS + table.VENT_WITHIN_MS) / 1000, on_tick=line,
                               plant_faults=[run.PlantFault(case.kind, at, k)])
    latched = [f for f in summary["faults"] if at <= f["t_ms"] <= at + AFTER_MS]
    detected_ms = code = None
    if latched:
        detected_ms, code = latched[0]["t_ms"], latched[0]["code"]
    elif "RESET" in line.state[line.t.index(at):] and case.kind == "hang":
        detected_ms, code = line.t[line.state.index("RESET", line.t.index(at))], "reset"
    shows = _shows_at(line, fault.shows, k, at, targets)
    bound = table.bound_ms(fault, board_def)
    if shows is not None and shows + bound > at + AFTER_MS:
        shows = None  # it shows too late for its bound to run out within the run: not judged
    why = []
    note = ""
    if fault.codes and shows is not None and topology not in fault.blind:
        if detected_ms is None:
            why.append("not detected")
        elif detected_ms - shows > bound:
            why.append("detected %.2f s after it showed, bound %.2f s" % ((detected_ms - shows) / 1000, bound / 1000))
    if code is not None and fault.codes and code not in fault.codes:
        note = "code %s, table says %s" % (code, "/".join(fault.codes))
    start = line.t.index(at)
    limit = [min(t + table.MARGIN_MMHG + fault.allowance_mmhg, summary["hard_limit_mmhg"]) for t in targets]
    peak = 0.0
    for i in range(start, len(line.t)):
        for c in range(n):
            v = line.p[i][c]
            if v > peak:
                peak = v
            if v > limit[c] and not any("above" in w for w in why):
                why.append("chamber %d at %.1f mmHg at %.2f s, above %.1f" % (c + 1, v, line.t[i] / 1000, limit[c]))
    vented_ms = None
    if detected_ms is not None:
        d = line.t.index(detected_ms)
        if code != "reset" and any(line.pump[i] for i in range(d + 1, len(line.t))):
            why.append("pump on after detection")
        blocked = fault.blocks.get(topology)
        can_vent = [c for c in range(n) if blocked != "all" and not (blocked == "chamber" and c == k)]
        for i in range(d, len(line.t)):
            if all(line.p[i][c] < table.SAFE_MMHG for c in can_vent):
                vented_ms = line.t[i] - detected_ms
                break
        if vented_ms is None or vented_ms > table.VENT_WITHIN_MS:
            why.append("chambers that can vent not below %g mmHg within %d s" % (table.SAFE_MMHG,
                                                                                 table.VENT_WITHIN_MS // 1000))
    return Row(case.kind, case.board, case.program, case.plant, case.phase, k + 1, at,
               detected_ms is not None, code, None if detected_ms is None else detected_ms - at,
               round(peak, 1), round(max(limit), 1), vented_ms, not why, "; ".join(why), note)


def run_matrix(quick=False, workers=None, progress=None, cases=None):
    """Every row (of `cases`, default all of the matrix), in order; progress(row) after each."""
    todo = cases if cases is not None else globals()["cases"](quick)
    rows = []
    workers = workers or min(2, multiprocessing.cpu_count())
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for row in pool.imap(run_case, todo, chunksize=4):
                rows.append(row)
                if progress:
                    progress(row)
    else:
        for case in todo:
            row = run_case(case)
            rows.append(row)
            if progress:
                progress(row)
    return rows
