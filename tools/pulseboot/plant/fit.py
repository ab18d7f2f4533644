"""Fit the simulated plant to a recorded session (`pulseboot fit`).

A pressure trace fixes only ratios of volume to flow: a pump twice as strong into chambers
twice as big gives the same curves. So every fit takes one absolute figure:

* bottles (`bottle_l`): each chamber's hose goes to a rigid bottle of known volume. The fit
  finds the pump's free flow and stall pressure, the inlet and vent valves' conductances and
  the leak (BOTTLE);
* the boot (a `base` whose pump and valves are known, e.g. the bottle fit): the fit finds
  the chamber's volume curve (how much it takes while it unfolds, the pressure scale of the
  unfolding, the give beyond it) and the leak (BOOT). The flat bladder's own volume
  (chamber_min_l) barely changes a fill and stays the base's.

The parameters are those of presets.PlantParams, replayed by fit_model.replay against the
trace's believed pressures (one zero offset per chamber and piece taken out) and adjusted
by fit_solve. A parameter the trace cannot pin down is refused with the reason: before the
fit when the trace lacks what shows it (no venting: no vent conductance), after it when its
standard error is above MAX_SE (so a 10 % error would be three of them).
"""
import dataclasses

import numpy as np

from pulseboot.plant import fit_coords, fit_data, fit_model, fit_solve, fit_start
from pulseboot.plant.presets import DEFAULT_PRESET, PRESETS

BOTTLE = ("pump_free_lpm", "pump_stall_mmhg", "inlet_c", "vent_c", "leak_c")
BOOT = ("chamber_unfold_l", "knee_mmhg", "tissue_l_per_mmhg", "leak_c")
MAX_SE = 0.04  # relative standard error above which a parameter is refused
MAX_RMS_MMHG = 3.0  # a fit that follows the trace worse than this is not a fit
BOTTLE_TISSUE = 5e-6  # L/mmHg: a PET bottle's swelling (presets.py, bench)
MIN_FILL_S = 1.0
MIN_HOLD_S = 20.0
MIN_VENTS = 2

UNITS = {"pump_free_lpm": "L/min", "pump_stall_mmhg": "mmHg", "inlet_c": "dm3/(s bar)", "vent_c": "dm3/(s bar)",
         "leak_c": "dm3/(s bar)", "chamber_unfold_l": "L", "knee_mmhg": "mmHg", "tissue_l_per_mmhg": "L/mmHg"}
HINTS = {
    "pump_free_lpm": "record fills with the pump running",
    "pump_stall_mmhg": "record longer, or fills to higher pressures (the recovery program at its top level)",
    "inlet_c": "record fills that end slowly (the pump slows near each target), or longer",
    "vent_c": "record chambers venting from pressure through their vent valves",
    "leak_c": "record longer (the gradient program holds each chamber while the next ones fill)",
    "chamber_unfold_l": "record fills from a vented chamber",
    "knee_mmhg": "record fills from a vented chamber",
    "tissue_l_per_mmhg": "record fills to higher pressures (the recovery program at its top level)",
}


class FitError(ValueError):
    """The trace cannot give what was asked; str() is one line naming the parameter and why."""


class Result:
    """params: the fitted PlantParams; fitted: name -> (value, relative standard error);
    kept: names taken from the base; rms_mmhg: how closely the replay follows the trace;
    notes: lines worth telling (what was left out of the trace); evals: replays used;
    start: the parameters the fit started from."""

    def __init__(self, params, fitted, kept, rms_mmhg, notes, evals, mode, start=None):
        self.params, self.fitted, self.kept, self.start = params, fitted, kept, start
        self.rms_mmhg, self.notes, self.evals, self.mode = rms_mmhg, notes, evals, mode


# Parameters with a default switch an effect the fit's model leaves out (the limb, warm air:
# presets.py says every such default is "off"); the result has them off, so `sim --plant`
# runs the plant that was fitted. The pump's pulsation stays: to a fit it is only noise.
KEEP_ON = ("pump_rate_hz",)


def unmodelled(base):
    """The names of base's parameters for effects the fit's model leaves out that are on."""
    return [f.name for f in dataclasses.fields(base) if f.default is not dataclasses.MISSING
            and f.name not in KEEP_ON and getattr(base, f.name) != f.default]


def start(base, bottle_l=None):
    """The parameters a fit starts from: the base without the effects the fit leaves out,
    with rigid chambers of bottle_l litres for a bottle session."""
    off = {f.name: f.default for f in dataclasses.fields(base) if f.name in unmodelled(base)}
    pr = dataclasses.replace(base, **off)
    if bottle_l is None:
        if pr.chamber_unfold_l > 0:
            return pr
        # A base fitted on bottles: its chamber is the bottle. The boot's start, and its flat
        # bladder's volume, which a fill barely shows, are the default preset's.
        boot = PRESETS[DEFAULT_PRESET]
        return dataclasses.replace(pr, **{n: getattr(boot, n) for n in ("chamber_min_l", *BOOT) if n != "leak_c"})
    return dataclasses.replace(pr, chamber_min_l=bottle_l, chamber_unfold_l=0.0, knee_mmhg=1.0,
                               tissue_l_per_mmhg=BOTTLE_TISSUE)


def fit(cols, base, bottle_l=None, keep=(), on_iter=None):
    """Fit to read_trace()'s columns from `base` (PlantParams); bottle_l: the bottles'
    volume in litres (a bottle session) or None (the boot, with base's pump and valves).
    keep: parameters to take from base rather than fit. FitError when the trace cannot
    identify a parameter that is asked for."""
    mode = "bottle" if bottle_l is not None else "boot"
    names = [n for n in (BOTTLE if bottle_l is not None else BOOT) if n not in keep]
    pr0 = start(base, bottle_l)
    pieces, note = fit_data.pieces(cols)
    seen = _check_content(pieces, names)
    if not names:
        raise FitError("nothing left to fit: every parameter is kept (--keep)")
    coords = _coords(names, seen)
    size = _residuals(pr0, pieces).size

    def residuals(z):
        values = coords.params(z)
        if values is None:  # no plant has these coordinates: a step too far
            return np.full(size, 1e3)
        return _residuals(dataclasses.replace(pr0, **values), pieces)

    z0 = _scaled_start(residuals, coords, coords.start(_first_guess(pr0, pieces, mode)), SCALED[mode])
    sol = fit_solve.solve(residuals, z0, on_iter=on_iter)
    values = coords.params(list(sol.x))
    params = dataclasses.replace(pr0, **{n: float(v) for n, v in values.items()})
    cov = sol.cov if isinstance(coords, fit_coords.Direct) else fit_coords.relative_cov(coords, sol.x, sol.cov, names)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    if sol.rms > MAX_RMS_MMHG:
        raise FitError(f"the fitted plant follows the trace only to {sol.rms:.1f} mmHg RMS (a fit is within "
                       f"{MAX_RMS_MMHG:g}): this session does not behave like the model ({_mode_text(mode)})")
    for name, e in zip(names, se):
        if not e <= MAX_SE:
            pm = "no bound" if not np.isfinite(e) else f"\u00b1{100 * e:.1f} %"
            raise FitError(f"{name}: the trace pins it down only to {pm} (a fit needs \u00b1{100 * MAX_SE:g} %); "
                           f"{HINTS[name]}, or keep the base's value ({getattr(base, name):g}) with --keep {name}")
    fitted = {n: (float(values[n]), float(e)) for n, e in zip(names, se)}
    kept = [n for n in (BOTTLE if bottle_l is not None else BOOT) if n in keep]
    notes = [note] if note else []
    if mode == "boot":
        notes.append(f"chamber_min_l (the flat bladder's air, which a fill barely shows) is "
                     f"{params.chamber_min_l:g} L, from {'the base' if base.chamber_unfold_l > 0 else DEFAULT_PRESET}")
    off = unmodelled(base)
    if off:
        notes.append("off in the result, as in the fit's model: " + ", ".join(off))
    return Result(params, fitted, kept, sol.rms, notes, sol.evals, mode, pr0)


def _coords(names, seen):
    """The volume curve as slopes when all of it is fitted (fit_coords.py), else as it is."""
    if all(n in names for n in fit_coords.CURVE):
        rest = [n for n in names if n not in fit_coords.CURVE]
        return fit_coords.Curve([*fit_coords.CURVE, *rest], max(8.0, seen["top_mmhg"] / 2))
    return fit_coords.Direct(names)


# Started far off, a replay of the recorded outputs overfills or underfills by tens of mmHg and
# the fit can settle in a wrong valley; so the start is first scaled as a whole: the flows
# against the known bottles, the chamber's volume against the known pump.
SCALED = {"bottle": ("pump_free_lpm", "inlet_c", "vent_c", "leak_c"), "boot": fit_coords.CURVE}
SCALES = (0.3, 0.45, 0.67, 1.0, 1.5, 2.2, 3.3)


def _first_guess(pr, pieces, mode):
    """The boot's volume curve read off its fills (fit_start.py), or pr as it is."""
    if mode != "boot":
        return pr
    curve = fit_start.volume_curve(pr, pieces)
    if curve is None:
        return pr
    unfold, knee, give = curve
    return dataclasses.replace(pr, chamber_unfold_l=unfold, knee_mmhg=knee, tissue_l_per_mmhg=give)


def _scaled_start(residuals, coords, z0, group):
    """z0 with the coordinates of group (volumes or flows: the curve's slopes scale with its
    volumes) scaled by the factor of SCALES that fits best."""
    scaled = [n in group for n in coords.names]
    best = None
    for factor in SCALES:
        z = [v * factor if s else v for v, s in zip(z0, scaled)]
        r = residuals(z)
        cost = float(r @ r)
        if best is None or cost < best[0]:
            best = (cost, z)
    return best[1]


def _mode_text(mode):
    return ("bottles of the volume given: check --bottle-ml" if mode == "bottle"
            else "the boot with the base's pump and valves: check --base")


def _residuals(pr, pieces):
    out = []
    for piece in pieces:
        n = piece.belief.shape[1]
        sim = np.frombuffer(fit_model.replay(pr, piece.cmds, p0=_p0(piece))).reshape(-1, n)[piece.rows]
        d = sim - piece.belief
        m = piece.trust
        d = np.where(m, d, 0.0)
        d -= d.sum(axis=0) / np.maximum(m.sum(axis=0), 1)  # each sensor's zero offset (as the firmware left it)
        out.append(d[m])
    return np.concatenate(out)


def _p0(piece):
    first = piece.belief[0]
    return [max(0.0, float(v)) if ok else 0.0 for v, ok in zip(first, piece.trust[0])]


def content(pieces):
    """What the trace shows: seconds of filling (pump on, one inlet open), the highest belief
    while filling, seconds of holding (chambers shut above 10 mmHg, summed), vents from
    above 10 mmHg (a vent valve opening on a shut chamber), seconds the pump ran slowed."""
    fill_s = hold_s = slowed_s = 0.0
    top = 0.0
    vents = 0
    for piece in pieces:
        c = piece.cmds
        dt = c.tick_ms / 1000
        rows = piece.rows
        bel = piece.belief
        trust = piece.trust
        for j, g in enumerate(rows):
            end = rows[j + 1] if j + 1 < len(rows) else len(c.pump)
            span = (end - g) * dt
            inl, vent, duty = c.inlet[g], c.vent[g], c.pump[g]
            if duty > 0 and sum(inl) == 1:
                fill_s += span
                if duty < 90:
                    slowed_s += span
                i = inl.index(1)
                if trust[j, i]:
                    top = max(top, bel[j, i])
            for i in range(len(inl)):
                if trust[j, i] and bel[j, i] > 10 and not inl[i]:
                    if not vent[i]:
                        hold_s += span
                    elif j > 0 and not c.vent[rows[j - 1]][i]:
                        vents += 1
    return {"fill_s": fill_s, "top_mmhg": top, "hold_s": hold_s, "vents": vents, "slowed_s": slowed_s}


def _check_content(pieces, names):
    seen = content(pieces)
    wants = {
        "pump_free_lpm": (seen["fill_s"] >= MIN_FILL_S and seen["top_mmhg"] >= 15,
                          f"the pump fills a chamber for {seen['fill_s']:.0f} s in all, up to "
                          f"{seen['top_mmhg']:.0f} mmHg (needs {MIN_FILL_S:g} s and 15 mmHg)"),
        "vent_c": (seen["vents"] >= MIN_VENTS,
                   f"{seen['vents']} vent{'s' if seen['vents'] != 1 else ''} of a filled chamber through its vent "
                   f"valve (needs {MIN_VENTS})"),
        "leak_c": (seen["hold_s"] >= MIN_HOLD_S,
                   f"chambers are held shut above 10 mmHg for {seen['hold_s']:.0f} s in all (needs {MIN_HOLD_S:g} s)"),
        "inlet_c": (seen["slowed_s"] >= 1.0, f"the pump never runs slowed while filling ({seen['slowed_s']:.1f} s), "
                                             "so the inlet's share of the pressure drop is unseen"),
    }
    wants["pump_stall_mmhg"] = wants["pump_free_lpm"]
    for name in ("chamber_unfold_l", "knee_mmhg", "tissue_l_per_mmhg"):
        wants[name] = wants["pump_free_lpm"]
    for name in sorted(names, key=lambda n: n not in ("vent_c", "leak_c")):  # what is missing outright first
        ok, why = wants[name]
        if not ok:
            raise FitError(f"{name}: cannot be identified from this trace: {why}; {HINTS[name]}, "
                           f"or keep the base's value with --keep {name}")
    return seen


def units(name):
    return UNITS.get(name, "")
