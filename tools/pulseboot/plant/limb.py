"""The limb under the chambers, and the chambers' gas law with it.

model.py keeps the pneumatics (orifices, pump, manifold, valves, sensors). With any limb
effect on it hands the chamber update to Limb.chambers(), which adds to each bladder:

* Displaced limb volume D = fast + slow (venous blood and soft tissue pressed out from under
  the bladder; the air gets that volume). Settled, D = most_i * (1 - exp(-p / limb_knee))
  (the veins collapse; Phys Med Biol 1977 and issue 11, see presets.py). `creep_fast` of it
  follows p at once (it joins the bladder's capacitance); the rest, `slow`, creeps towards its
  share with `creep_tau_s` while the pressure presses it out, and comes back linearly (venous
  refill at the inflow: all of it in `refill_s`) once the pressure falls below it.
* Swelling into the bladder (air volume lost): the neighbours' displaced volume pushed under
  this chamber (coupling), the wearer's pulse, movements. These are stated in mmHg for a
  chamber held at REF_MMHG and turned into volumes with its air capacity there (`ref_c`).
* The air's temperature theta (K above the room): air arrives at `pump_air_k`; held air
  relaxes towards `air_warm_k` with `air_heat_tau_s`; P_abs grows by theta / T_ROOM of itself.

Per chamber, with the flows linearly implicit as in model.py and the limb explicit:
    K (p' - p) = G_in dt (p_m - p') - G_out dt p' + P_abs / P_atm (V dtheta / T_ROOM - dV_limb)
where V = bladder(p) + D - swell, K = (V + P_abs dV/dp) / P_atm and dV_limb is the air volume
the limb gave up this step at constant pressure (creep, refill, swelling).

A chamber open to atmosphere (vent, or inlet to a vented manifold) and at it stays there: its
limb only refills (the swelling of a vented bladder leaves through the vent). Pulse phases and
movements come from their own seeded stream, so the sensor noise of a seed is unchanged; they
and every time constant go by the plant's clock, so a smaller step gives the same limb.
"""

import math
import random

P_ATM = 760.0  # mmHg (as model.py)
T_ROOM = 293.15  # K
SNAP = 0.002  # mmHg, as model.py's _SNAP
VENTED = 0.05  # mmHg: a chamber with its vent open this close to atmosphere is at it
_SHORTEST_S = 0.001  # s: a time constant shorter than this is none
_HEAT_EVERY_MS = 200  # a held chamber's air temperature is brought up to date this often


def _overlap(a0, a1, b0, b1):
    return max(0.0, min(a1, b1) - max(a0, b0))


def segment_volumes(n, pr):
    """Per chamber: (most displaceable limb volume under it, the part of that in the mid
    segment), in L. Chamber i spans i/n to (i+1)/n of the boot from its distal end; each
    segment's volume spreads evenly along its length."""
    m0, m1 = pr.limb_mid_from, pr.limb_mid_to
    segs = ((0.0, m0, pr.limb_distal_ml), (m0, m1, pr.limb_mid_ml), (m1, 1.0, pr.limb_proximal_ml))
    out = []
    for i in range(n):
        a, b = i / n, (i + 1) / n
        total = mid = 0.0
        for k, (s0, s1, ml) in enumerate(segs):
            if s1 > s0:
                v = ml * _overlap(a, b, s0, s1) / (s1 - s0) * 0.001
                total += v
                if k == 1:
                    mid = v
        out.append((total, mid))
    return out


def enabled(pr):
    """True when any limb effect (or a chamber size gradient) is on."""
    return bool(pr.size_distal != 1.0 or pr.size_proximal != 1.0 or pr.limb_distal_ml or pr.limb_mid_ml
                or pr.limb_proximal_ml or pr.coupling_mmhg or pr.pulse_mmhg or pr.move_per_min
                or (pr.air_heat_tau_s and (pr.pump_air_k or pr.air_warm_k)))


class Limb:
    """The limb's state for n chambers. `size[i]` multiplies chamber i's bladder figures;
    `bladder_ref[i]`: its bladder's air volume (L) and growth (L/mmHg) at ref_mmhg."""

    def __init__(self, n, pr, seed, ref_mmhg, size, bladder_ref):
        self.n = n
        self.size = size
        seg = segment_volumes(n, pr)
        self.most = [s[0] for s in seg]  # L
        self.mid = [s[1] for s in seg]
        knee = pr.limb_knee_mmhg
        if any(self.most) and not knee > 0:
            raise ValueError("limb_knee_mmhg must be > 0")
        self.inv_knee = inv = 1.0 / knee if knee > 0 else 0.0
        # (Time constants under a millisecond are taken as 0: at once, or off for the heat.)
        self.tau = pr.creep_tau_s if pr.creep_tau_s >= _SHORTEST_S else 0.0
        f = min(1.0, max(0.0, pr.creep_fast)) if self.tau else 1.0
        self.fast_most = [f * m for m in self.most]  # L, the part that follows p at once
        self.fast_c = [f * m * inv for m in self.most]  # its slope at p = 0, L/mmHg
        self.slow_most = [(1.0 - f) * m for m in self.most]
        self.refill = [(sm / pr.refill_s if pr.refill_s >= _SHORTEST_S else 0.0) for sm in self.slow_most]  # L/s
        self.slow = [0.0] * n  # veins full at the start
        e = math.exp(-ref_mmhg * inv)
        settled = [m * (1.0 - e) for m in self.most]
        p_abs = P_ATM + ref_mmhg
        # Air volume per mmHg at REF with the limb settled there: K P_atm / P_abs.
        self.ref_c = [(vb + d + p_abs * (cb + fc * e)) / p_abs
                      for (vb, cb), d, fc in zip(bladder_ref, settled, self.fast_c)]
        ref_c = self.ref_c
        # Coupling: a neighbour that has pressed out its settled volume at REF swells this
        # chamber by coupling_mmhg worth of its air capacity at REF.
        self.couple = ([pr.coupling_mmhg * c for c in ref_c] if pr.coupling_mmhg and max(settled) > 1e-9
                       else None)
        self.per_settled = [1.0 / s if s > 1e-9 else 0.0 for s in settled]  # (1e-9 L: a microlitre)
        # Displaced volume (fast + slow) at each chamber's last update over its settled volume at
        # REF, padded with a zero either end: chamber i's at dpad[i + 1], its neighbours' beside it.
        self.dpad = [0.0] * (n + 2)
        self._hold_p = [-1e9] * n  # where each chamber's outflow conductance was worked out
        self._hold_s = [0.0] * n
        self.pulse = [pr.pulse_mmhg * c for c in ref_c] if pr.pulse_mmhg and pr.pulse_bpm > 0 else None
        move_rate = pr.move_per_min / 60000.0  # per ms
        self.move = [pr.move_mmhg * c for c in ref_c] if move_rate > 0 and pr.move_mmhg and pr.move_ms > 0 else None
        self.swell = [None] * n  # air volume the limb has taken (coupling, pulse, move); None: vented
        self.heat = pr.air_heat_tau_s >= _SHORTEST_S and bool(pr.pump_air_k or pr.air_warm_k)
        self.t_in = pr.pump_air_k
        self.t_wall = pr.air_warm_k
        self.heat_tau = pr.air_heat_tau_s
        self.theta = [pr.air_warm_k] * n  # the bladders have sat on the limb before the start
        self.theta_t = [0] * n  # when theta was last brought up to date, ms
        self.inflow = [0.0] * n  # normal litres that came in during the last step
        rng = random.Random("limb:%d" % seed)  # its own stream: the sensor's draws stay the seed's
        self._rng = rng
        if self.pulse:
            self.beat_ms = 60000.0 / pr.pulse_bpm
            self.beat_len = self.beat_ms
            self.beat_at = -rng.uniform(0.0, self.beat_ms)  # start of the current beat
        if self.move:
            self.move_rate = move_rate
            self.move_ms = pr.move_ms
            self.moves = []  # (start_ms, length_ms, volume per chamber)
            self.next_move = rng.expovariate(self.move_rate)
        self.moving = False  # a movement is under way (the accuracy judge leaves such holds out)
        self._dt = None

    def displaced(self, p):
        """Displaced limb volume per chamber at pressures p, L."""
        exp = math.exp
        return [fm * (1.0 - exp(-pc * self.inv_knee)) + s for fm, pc, s in zip(self.fast_most, p, self.slow)]

    def air_volume(self, i, pc):
        """What the limb adds to chamber i's air at pressure pc: (volume L, its slope L/mmHg)."""
        el = math.exp(-pc * self.inv_knee)
        return (self.fast_most[i] * (1.0 - el) + self.slow[i] - (self.swell[i] or 0.0),
                self.fast_c[i] * el)

    def _new_dt(self, dt_ms):
        self._dt = dt_ms
        dt = dt_ms * 0.001
        self._a_creep = 1.0 - math.exp(-dt / self.tau) if self.tau > 0 else 1.0
        self._inv_heat_tau_ms = 0.001 / self.heat_tau if self.heat else 0.0

    def chambers(self, t_ms, dt_ms, p, pm, gin, fvt, k, c_leak, c_vent, hose):
        """Advance every chamber's pressure p[i] (in place) and the limb over the step ending at
        t_ms, against the new manifold pressure pm, as model.py does without a limb: gin[i]:
        inlet conductance x dt (L/mmHg); fvt[i]: vent open fraction; k: model.py's constants
        (valve b, laminar G/C, bladder)."""
        if dt_ms != self._dt:
            self._new_dt(dt_ms)
        (n, b, inv1b, klam, vmin, dvol, inv_knee, dv_knee, ctis) = k[:9]
        dt = dt_ms * 0.001
        exp = math.exp
        sqrt = math.sqrt
        inv_kl = self.inv_knee
        size, most, fast_most, fast_c = self.size, self.most, self.fast_most, self.fast_c
        slow, slow_most, refill, a_creep = self.slow, self.slow_most, self.refill, self._a_creep
        dpad, swell, couple, per = self.dpad, self.swell, self.couple, self.per_settled
        pulse = self.pulse
        w = self._pulse_shape(t_ms) if pulse is not None else 0.0
        moved = self._moves(t_ms) if self.move else None
        heat = self.heat
        theta, theta_t, inflow = self.theta, self.theta_t, self.inflow
        hold_p, hold_s = self._hold_p, self._hold_s
        vented_pm = pm < SNAP
        inv_atm = 1.0 / P_ATM
        for i in range(n):
            pc = p[i]
            g = gin[i]
            fv = fvt[i]
            if (pc < SNAP and g and vented_pm) or (pc < VENTED and fv and not g) or hose[i]:
                # Open to atmosphere and at it (or its hose is off): it stays there; the limb only
                # refills (what that swells into a vented bladder leaves through its vent at once).
                # Fed, it is a path from the manifold to atmosphere.
                p[i] = 0.0
                inflow[i] = 0.0
                swell[i] = None
                s = slow[i]
                if s:
                    r = refill[i]
                    s = s - r * dt if r else 0.0
                    slow[i] = s = s if s > 0.0 else 0.0
                    dpad[i + 1] = s * per[i]
                continue
            # The limb: displaced volume, its creep and refill.
            if most[i]:
                el = exp(-pc * inv_kl)
                s = slow[i]
                target = slow_most[i] * (1.0 - el)
                if target > s:
                    s1 = s + (target - s) * a_creep
                else:
                    r = refill[i]
                    s1 = s - r * dt if r else target
                    if s1 < target:
                        s1 = target
                slow[i] = s1
                d = fast_most[i] * (1.0 - el) + s1
                dpad[i + 1] = d * per[i]
                gave = s1 - s
                dvl = fast_c[i] * el
            else:
                d = gave = dvl = 0.0
            # Swelling into the bladder: the neighbours' displaced volume, pulse, movement.
            sw = couple[i] * (dpad[i] + dpad[i + 2]) if couple is not None else 0.0
            if pulse is not None:
                sw += pulse[i] * w
            if moved is not None:
                sw += moved[i]
            old = swell[i]
            swell[i] = sw
            e = exp(-pc * inv_knee)
            sz = size[i]
            v = sz * (vmin + dvol * (1.0 - e) + ctis * pc) + d - sw
            up = P_ATM + pc
            kk = (v + up * (sz * (dv_knee * e + ctis) + dvl)) * inv_atm
            if old is not None:  # (a chamber that was open to atmosphere starts afresh)
                gave -= sw - old
            q = inflow[i]
            if heat and (q or t_ms - theta_t[i] >= _HEAT_EVERY_MS):
                th0 = th = theta[i]
                if q > 0.0:
                    th += (self.t_in - th) * q / (up * v * inv_atm + q)
                el_ms = t_ms - theta_t[i]
                th += (self.t_wall - th) * (1.0 - exp(-el_ms * self._inv_heat_tau_ms))
                theta[i] = th
                theta_t[i] = t_ms
                if old is not None:
                    gave -= v * (th - th0) * (1.0 / T_ROOM)
            # Outflow (leak, vent) to atmosphere: model.py's secant conductance; with the vent
            # shut (the leak alone) reused while the pressure stays within 0.5 mmHg of where it
            # was worked out, as model.py does for a shut-in chamber.
            go = c_leak[i] + c_vent[i] * fv
            if pc > 0.0:
                h = hold_p[i]
                if not fv and h - 0.5 < pc < h + 0.5:
                    s_ = hold_s[i]
                else:
                    r = P_ATM / up
                    if r >= 0.999:  # ISO 6358-3 laminar (model.py's _R_LAM)
                        s_ = klam
                    elif r > b:
                        x = (r - b) * inv1b
                        s_ = up * sqrt(1.0 - x * x) / pc
                    else:
                        s_ = up / pc
                    hold_p[i] = pc
                    hold_s[i] = s_
            else:
                s_ = klam
            q = (kk * pc + g * pm - up * inv_atm * gave) / (kk + g + go * s_ * dt)
            if q < SNAP and not g and (fv or gave >= 0.0):
                q = 0.0
            elif q < 0.0:
                q = 0.0
            p[i] = q
            inflow[i] = g * (pm - q) if g and pm > q else 0.0

    def _pulse_shape(self, t):
        """The pulse at time t, 0 (diastole) to 1 (systolic peak): a steep rise over the first
        15 % of the beat, then a fall back to diastole. Beat lengths vary +-5 % (seeded)."""
        while t >= self.beat_at + self.beat_len:
            self.beat_at += self.beat_len
            self.beat_len = self.beat_ms * self._rng.uniform(0.95, 1.05)
        x = (t - self.beat_at) / self.beat_len
        if x < 0.15:
            return 0.5 - 0.5 * math.cos(x * (math.pi / 0.15))
        y = (1.0 - x) / 0.85
        return y * y

    def _moves(self, t):
        """Swelling per chamber from the movements under way at time t (None: none is).
        Each movement: a half-sine 0.3-1 x move_ms long, 1/4 to all of move_mmhg, 4 in 5 of
        them pressing into the bladders (the rest easing off), each chamber 0.3-1 of it."""
        rng = self._rng
        while t >= self.next_move:
            start = self.next_move
            length = self.move_ms * rng.uniform(0.3, 1.0)
            size = rng.uniform(0.25, 1.0) * (1.0 if rng.random() < 0.8 else -1.0)
            vols = [m * size * rng.uniform(0.3, 1.0) for m in self.move]
            self.moves.append((start, length, vols))
            self.next_move = start + rng.expovariate(self.move_rate)
        self.moving = False
        if not self.moves:
            return None
        out = [0.0] * self.n
        keep = []
        for ev in self.moves:
            start, length, vols = ev
            x = (t - start) / length
            if x >= 1.0:
                continue
            keep.append(ev)
            if x > 0.0:
                self.moving = True
                s = math.sin(math.pi * x)
                for i in range(self.n):
                    out[i] += vols[i] * s
        self.moves = keep
        return out
