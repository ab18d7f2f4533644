"""Where `pulseboot fit` starts on the boot: the chamber's volume curve read off the fills.

Started from a preset's curve, a replay of the recorded outputs can be tens of mmHg off and
the least squares can settle in a wrong valley (unfold, knee and give trade against each
other). With the pump and inlet known (the base), each tick of a fill gives the flow into
the chamber: the manifold pressure pm where the pump's flow Qf d (1 - pm / S) equals the
inlet's orifice flow into the chamber's pressure p. Summed over a fill from a vented
chamber, that is the air the chamber took, n(p) - n(0) = ((760 + p) V(p) - 760 V(0)) / 760
with V(p) = min + unfold (1 - exp(-p / knee)) + give p: linear in unfold and give for a
given knee, so a scan over knee with linear least squares finds the curve.
"""
import numpy as np

from pulseboot.plant.fit_model import MMHG_PER_BAR, P_ATM, R_LAM

KNEES = np.geomspace(2.0, 80.0, 41)  # mmHg
LAG_TICKS = 1  # the sensor's lag (30 ms): a reading is about a tick late (a row later, with few rows)


def _flow_per_c(pm, p, b):
    """ISO 6358 flow (normal L/s per unit C in dm3/(s bar)) from pm to p (arrays, pm >= p)."""
    up = P_ATM + pm
    r = (P_ATM + p) / up
    x = np.clip((np.minimum(r, R_LAM) - b) / (1 - b), 0.0, 1.0)
    sub = up * np.sqrt(1 - x * x)
    klam = np.sqrt(1 - ((R_LAM - b) / (1 - b)) ** 2) / (1 - R_LAM)
    lam = klam * (pm - p)
    return np.where(r >= R_LAM, lam, sub) / MMHG_PER_BAR


def inflow(pr, duty, p):
    """Normal L/s into a chamber at pressure p (array) fed at duty (%) through its inlet."""
    qmax = pr.pump_free_lpm / 60.0 * np.minimum(duty, 100) / 100.0
    pc = np.array(p, dtype=float)
    lo = pc.copy()
    hi = np.full_like(lo, pr.pump_stall_mmhg)
    for _ in range(50):  # pump flow falls and inlet flow rises with pm: bisect
        mid = (lo + hi) / 2
        more = qmax * (1 - mid / pr.pump_stall_mmhg) > pr.inlet_c * _flow_per_c(mid, pc, pr.valve_b)
        lo = np.where(more, mid, lo)
        hi = np.where(more, hi, mid)
    pm = (lo + hi) / 2
    return qmax * (1 - pm / pr.pump_stall_mmhg)


def fills(pieces):
    """[(duty, belief, seconds to the next reading)] per fill from a vented chamber: numpy
    arrays over the trace's rows during the fill."""
    out = []
    dt = pieces[0].cmds.tick_ms / 1000 if pieces else 0.025
    for piece in pieces:
        c = piece.cmds
        rows = piece.rows
        n = piece.belief.shape[1]
        for i in range(n):
            run = []
            for j, g in enumerate(rows):
                feeding = c.pump[g] > 0 and c.inlet[g][i] == 1 and sum(c.inlet[g]) == 1
                if feeding and piece.trust[j, i]:
                    if not run and piece.belief[j, i] > 2.0:
                        continue  # not from a vented chamber (a top-up)
                    late = min(j + LAG_TICKS, len(rows) - 1) if rows[-1] - g > LAG_TICKS else j
                    step = (rows[j + 1] - g) * dt if j + 1 < len(rows) else dt
                    run.append((c.pump[g], piece.belief[late, i], step))
                elif run:
                    if len(run) > 5:
                        out.append(tuple(np.array([r[k] for r in run], float) for k in range(3)))
                    run = []
    return out


def volume_curve(pr, pieces):
    """(unfold L, knee mmHg, give L/mmHg) read off the fills, or None when there are none."""
    seen = fills(pieces)
    if not seen:
        return None
    ps, ns = [], []
    for duty, p, step in seen:
        p = np.maximum(p, 0.0)
        q = inflow(pr, duty, p)
        ps.append(p)
        ns.append(np.concatenate([[0.0], np.cumsum(q[:-1] * step[:-1])]))  # air taken since the fill began
    p = np.concatenate(ps)
    n = np.concatenate(ns)
    y = n - p * pr.chamber_min_l / P_ATM  # n(p) - n(0) less the flat bladder's share
    best = None
    for knee in KNEES:
        a = np.column_stack([(P_ATM + p) / P_ATM * (1 - np.exp(-p / knee)), (P_ATM + p) / P_ATM * p])
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        if coef[0] <= 0:
            continue
        coef[1] = max(coef[1], 1e-6)
        err = float(np.sum((a @ coef - y) ** 2))
        if best is None or err < best[0]:
            best = (err, float(coef[0]), float(knee), float(coef[1]))
    return None if best is None else best[1:]
