"""The plant as `pulseboot fit` replays it: model.py's pneumatics without the limb, step for
step, driven by a recorded session's pump and valve columns, giving the sensor reading each
chamber would have shown (noise-free, zero offset). A replay costs a few hundred ms for a
five-minute session, so the fit can afford dozens.

What it keeps of model.py: the bladder volume curve and its capacitance, ISO 6358 orifice
flows with the same secant conductances and laminar region, the diaphragm pump falling
linearly to its stall pressure, the manifold's volume and leak, the linearly implicit step
(manifold first, then each chamber against the new manifold), the valves' switching delay
and the sensor's first-order lag sampled every tick. What it leaves out: the limb
(limb.py), the pump's pulsation and thermal drift (noise and slow drift to a fit), faults,
sensor noise, offset and quantisation. host_tests/test_fit.py checks that a replay of a
simulated session follows the simulator's own true pressures.
"""
import math
from array import array

from pulseboot.plant.model import MMHG_PER_BAR, P_ATM, R_LAM, SNAP, across


class Commands:
    """A session's outputs on the tick grid: t_ms per tick, pump duty (%), and per chamber
    inlet and vent commands (0/1), each a list per tick; chambers counted from 0."""

    def __init__(self, tick_ms, pump, inlet, vent):
        self.tick_ms = tick_ms
        self.pump = pump
        self.inlet = inlet  # [tick][chamber]
        self.vent = vent  # [tick][chamber]


def _secant_fn(b):
    inv1b = 1.0 / (1.0 - b)
    klam = math.sqrt(1.0 - ((R_LAM - b) * inv1b) ** 2) / (1.0 - R_LAM)
    sqrt = math.sqrt

    def secant(up, r, dp):
        if r >= R_LAM:
            return klam
        if r > b:
            x = (r - b) * inv1b
            return up * sqrt(1.0 - x * x) / dp
        return up / dp

    return secant, klam


def replay(pr, cmds, p0=None, pm0=0.0):
    """Sensor readings (mmHg, no offset or noise) per chamber and tick: a flat array('d'),
    tick-major (chamber i at tick k is [k * n + i]), the reading at the start of each tick
    (before its outputs act), as the trace's s columns.

    pr: the parameters (a PlantParams or anything with its fields); p0: each chamber's true
    pressure at the first tick (default 0, vented), pm0 the manifold's."""
    n = len(cmds.inlet[0])
    dt_ms = float(cmds.tick_ms)
    dt = dt_ms * 0.001
    secant, klam = _secant_fn(pr.valve_b)
    exp = math.exp
    vmin, dvol, knee, ctis = pr.chamber_min_l, pr.chamber_unfold_l, pr.knee_mmhg, pr.tissue_l_per_mmhg
    inv_knee = 1.0 / knee
    dv_knee = dvol / knee
    kman = pr.manifold_l / P_ATM
    qduty = pr.pump_free_lpm / 6000.0
    stall = pr.pump_stall_mmhg
    inv_stall = 1.0 / stall
    per = 1.0 / MMHG_PER_BAR
    c_in = pr.inlet_c * per
    c_vent = pr.vent_c * per
    c_leak = pr.leak_c * per
    cm_leak = pr.manifold_leak_c * per
    delay = float(pr.valve_delay_ms)
    tau = pr.sensor_tau_ms
    alpha = 1.0 - exp(-dt_ms / tau) if tau > 0 else 1.0
    p = list(p0) if p0 is not None else [0.0] * n
    pm = pm0
    filt = list(p)
    in_act = list(cmds.inlet[0])  # the valves' actual positions
    vt_act = list(cmds.vent[0])
    pump = cmds.pump
    out = array("d", bytes(8 * n * len(pump)))
    at = 0
    chambers = range(n)
    for k in range(len(pump)):
        for i in chambers:
            out[at + i] = filt[i]
        at += n
        cin = cmds.inlet[k]
        cvt = cmds.vent[k]
        duty = pump[k]
        # Manifold: pump, its leak, every open inlet.
        num = kman * pm
        den = kman
        if duty > 0 and pm < stall:
            q = qduty * (duty if duty < 100 else 100) * dt
            num += q
            den += q * inv_stall
        if pm > 0.0:
            up = P_ATM + pm
            den += cm_leak * secant(up, P_ATM / up, pm) * dt
        gin = None
        for i in chambers:
            fi = in_act[i] if cin[i] == in_act[i] else _frac(in_act, i, cin[i], dt_ms, delay)
            if fi:
                pc = p[i]
                up, r, d = across(pm, pc)
                g = c_in * fi * secant(up, r, d) * dt
                if gin is None:
                    gin = [0.0] * n
                gin[i] = g
                num += g * pc
                den += g
        pm = num / den
        for i in chambers:
            fv = vt_act[i] if cvt[i] == vt_act[i] else _frac(vt_act, i, cvt[i], dt_ms, delay)
            g = gin[i] if gin is not None else 0.0
            pc = p[i]
            if not g:
                if pc == 0.0:
                    f = filt[i]
                    if f:
                        f -= alpha * f
                        filt[i] = f if f > 1e-9 or f < -1e-9 else 0.0
                    continue
                if not fv:  # shut in: only the leak, p' = h p
                    # (model.py reuses h while p stays within 0.5 mmHg; worked out afresh here, so a
                    # replay changes smoothly with the parameters, as the fit's derivatives need)
                    e = exp(-pc * inv_knee)
                    kk = vmin + dvol * (1.0 - e) + ctis * pc + (P_ATM + pc) * (dv_knee * e + ctis)
                    up = P_ATM + pc
                    pc *= kk / (kk + c_leak * secant(up, P_ATM / up, pc) * dt * P_ATM)
                    p[i] = pc = pc if pc >= SNAP else 0.0
                    filt[i] += alpha * (pc - filt[i])
                    continue
            e = exp(-pc * inv_knee)
            kk = (vmin + dvol * (1.0 - e) + ctis * pc + (P_ATM + pc) * (dv_knee * e + ctis)) * (1.0 / P_ATM)
            go = c_leak + c_vent * fv
            if pc > 0.0:
                up = P_ATM + pc
                s = secant(up, P_ATM / up, pc)
            else:
                s = klam
            pc = (kk * pc + g * pm) / (kk + g + go * s * dt)
            if pc < SNAP and not g:
                pc = 0.0
            p[i] = pc
            filt[i] += alpha * (pc - filt[i])
    return out


def _frac(act, i, cmd, dt_ms, delay):
    """The part of this tick valve i is open, its command cmd given at the tick's start."""
    a = act[i]
    if cmd == a:
        return a
    act[i] = cmd
    if delay >= dt_ms:
        return a  # switches at the end of this tick or later: a delay of a tick or more counts as one
    return (a * delay + cmd * (dt_ms - delay)) / dt_ms
