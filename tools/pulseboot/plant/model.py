"""Simulated pneumatic plant: pump, manifold, valves, chambers and pressure sensors.

The firmware's control core runs against this in the host tests and in ``pulseboot sim``.
Pure Python, stdlib only, deterministic for a given seed, virtual time only (the ``dt_ms``
passed to :meth:`Plant.step`).

Model (internal units: gauge pressure in mmHg, gas in normal litres, i.e. litres of free air
at atmosphere, time in s):

* Each chamber is an isothermal ideal-gas bladder whose volume grows with gauge pressure p
  as it unfolds round the limb and then presses into it::

      V(p) = chamber_min_l + chamber_unfold_l * (1 - exp(-p / knee_mmhg)) + tissue_l_per_mmhg * p

  Gas amount n = P_abs * V / P_atm, capacitance K = dn/dp = (V + P_abs * dV/dp) / P_atm.
* The manifold (pump head, tubing, tees) is a small rigid volume between the pump and the
  chambers' inlet valves.
* Every path is an ISO 6358 orifice with sonic conductance C and critical pressure ratio b:
  q = C * p_up for r <= b (choked), q = C * p_up * sqrt(1 - ((r - b) / (1 - b))**2) for
  b < r < 0.999, and linear in (1 - r) above 0.999 (ISO 6358-3's laminar region), so the
  conductance stays finite as the pressure difference vanishes. Flow goes from the higher side
  to the lower. The ANR reference (100 kPa) is taken as atmosphere (101.3 kPa); the 1.3 %
  difference is far inside the uncertainty of every figure below.
* A diaphragm pump behind a check valve delivers pump_free_lpm * duty / 100 of free air,
  falling linearly with manifold pressure to zero at pump_stall_mmhg; nothing flows back.
* Integration is linearly implicit per node with secant conductances G = q / dp from the state
  at the start of the step: p' = (K p + dt sum(G_k p_k) + dt Q) / (K + dt sum(G_k) + dt Q / p_stall),
  manifold first, then each chamber against the new manifold pressure. Every p' is a weighted
  mean of non-negative pressures and the stall pressure, so it cannot oscillate, go below
  atmosphere or exceed stall, and a chamber with its valves shut changes only by its leak.
  Taking K at the start of the step and the manifold before the chambers makes a fill ~3 %
  slower at dt = 25 ms than with a fine step (converges as dt -> 0).
* With any limb effect on (limb.py) the chambers carry the limb's volume, capacitance and
  sources, integrated the same way (the limb's own terms explicitly).
* A valve takes effect valve_delay_ms after its command changes; within a step it counts for
  the fraction of the step it is actually open. A pulse shorter than the delay never opens it;
  a delay that runs out exactly with a step switches the valve at that step's end.
* Each sensor (HX710B + MPS20N0040D, 0-40 kPa) is a first-order lag sampled every
  sensor_period_ms and held between samples, plus a per-sensor zero offset, Gaussian noise and
  quantisation, reported as an int in tenths of mmHg. The noise is picked at random from a
  seeded table of normal samples (random.gauss per reading would cost more than the whole
  physics step). A reading past sensor_min/max_mmhg (offset included; the HX710B's span in
  the presets) is SENSOR_UNDER / SENSOR_OVER, the codes the device's driver gives for a
  saturated word, so both shells see the same. With pump_rate_hz set, the pump's pulsation
  is added to each sample as the HX710B's averaging leaves it (see _ripple_quanta).
"""

import math
import random

from pulseboot.plant import limb as limb_model
from pulseboot.plant.presets import REF_MMHG


SENSOR_DEAD = -32768
SENSOR_OVER = 32767  # a saturated reading, high (what the HX710B driver reports: hx710b.OVER_RANGE)
SENSOR_UNDER = -32767  # ... and low (hx710b.UNDER_RANGE)
FAULTS = ("leak", "hose-off", "kink", "stuck-vent", "stuck-inlet", "dead-sensor", "stuck-sensor", "pump-weak",
          "detached-sensor", "low-sensor", "drifting-sensor", "noisy-sensor", "stuck-inlet-closed",
          "stuck-vent-open", "dead-pump", "stuck-pump")
PUMP_FAULTS = ("pump-weak", "dead-pump", "stuck-pump")  # the pump has no chamber
SENSOR_FAULTS = ("dead-sensor", "stuck-sensor", "detached-sensor", "low-sensor", "drifting-sensor", "noisy-sensor")
LOW_SENSOR_GAIN = 0.6  # 'low-sensor': a leaky sense tube or a failing bridge reads 60 % of the pressure
DRIFT_MMHG_PER_S = -0.5  # 'drifting-sensor': the zero walks down (reads low: the dangerous way), 30 mmHg/min
NOISY_SENSOR_X = 15.0  # 'noisy-sensor': noise x15 (0.3 -> 4.5 mmHg sigma), a loose connector or EMI

P_ATM = 760.0  # mmHg, standard atmosphere (101.325 kPa)
MMHG_PER_BAR = 750.0616827  # 1 bar = 100 kPa
R_LAM = 0.999  # ISO 6358-3: pressure ratio above which flow is taken as laminar
SNAP = 0.002  # mmHg; a chamber cut off from the pump this close to atmosphere is at it
_NOISE_BITS = 12  # sensor noise is drawn from a seeded table of 2**12 normal samples
_RIPPLE_EVERY = 4  # samples between workings-out of the pump pulsation's size (it changes slowly)


def _secant(up, r, dp, b, inv1b, klam):
    """Orifice flow per unit pressure difference (secant conductance per unit C), ISO 6358:
    laminar near r = 1, subsonic above the critical ratio b, choked below it."""
    if r >= R_LAM:
        return klam
    if r > b:
        x = (r - b) * inv1b
        return up * math.sqrt(1.0 - x * x) / dp
    return up / dp


def across(pa, pb):
    """An orifice between gauge pressures pa and pb: (upstream absolute pressure, the
    downstream-to-upstream pressure ratio, |pa - pb|), whichever way the air goes."""
    d = pa - pb
    if d > 0.0:
        up = P_ATM + pa
        return up, (P_ATM + pb) / up, d
    if d < 0.0:
        up = P_ATM + pb
        return up, (P_ATM + pa) / up, -d
    return P_ATM + pa, 1.0, 0.0


def _switch(act, tgt, left, i, cmd, dt_ms, delay):
    """Advance valve i of one bank by dt_ms; return the fraction of the step it was open."""
    cmd = 1 if cmd else 0
    if cmd != tgt[i]:
        tgt[i] = cmd
        left[i] = delay if cmd != act[i] else 0.0  # back to where it is: cancel the switch
    lf = left[i]
    a = act[i]
    if lf <= 0.0:
        act[i] = cmd
        left[i] = 0.0
        return cmd
    if lf > dt_ms:
        left[i] = lf - dt_ms
        return a
    # It switches within this step (at its very end when the delay runs out with the step):
    # in its new position from here on, for the part of this step after the switch.
    act[i] = cmd
    left[i] = 0.0
    return (a * lf + cmd * (dt_ms - lf)) / dt_ms


class Plant:
    """The pneumatic plant of one boot.

    State, updated in place by step(): true_mmhg (gauge pressure per chamber, chamber 0 most
    distal), manifold_mmhg, inlet_open / vent_open (actual valve positions, 0/1, after the
    switching delay), exhaust_open, time_ms (sum of the dt_ms stepped).
    vent_valves: one vent valve per chamber; exhaust_valve: one shared manifold exhaust.
    """

    def __init__(self, chambers, params, seed=0, vent_valves=True, exhaust_valve=False,
                 manifold_sensor=False, sensor_span_dmmhg=None):
        n = int(chambers)
        if n < 1:
            raise ValueError("need at least one chamber")
        pr = params
        b = pr.valve_b
        if not 0.0 < b < R_LAM:
            raise ValueError(f"valve_b must be in (0, {R_LAM})")
        for f in ("chamber_min_l", "knee_mmhg", "manifold_l", "pump_stall_mmhg", "sensor_period_ms"):
            if not getattr(pr, f) > 0:
                raise ValueError(f"{f} must be > 0")
        self.chambers = n
        self.params = pr
        self.vent_valves = bool(vent_valves)
        self.exhaust_valve = bool(exhaust_valve)
        # One sensor on the manifold instead of one per chamber (the cheap single-sensor build).
        self.manifold_sensor = bool(manifold_sensor)
        self.sensors = 1 if manifold_sensor else n
        self._sensed = [0.0]  # the manifold pressure as the one sensor's input
        self.time_ms = 0
        self.true_mmhg = [0.0] * n
        self.manifold_mmhg = 0.0
        self.inlet_open = [0] * n
        self.vent_open = [0] * n
        self._in_tgt = [0] * n
        self._in_left = [0.0] * n
        self._in_pend = False
        self._vt_tgt = [0] * n
        self._vt_left = [0.0] * n
        self._vt_pend = False
        self._ex = ([0], [0], [0.0])  # act, tgt, left
        per = 1.0 / MMHG_PER_BAR  # C per bar -> C per mmHg
        self._c_in = [pr.inlet_c * per] * n
        self._c_vent = [pr.vent_c * per if vent_valves else 0.0] * n
        self._c_leak = [pr.leak_c * per] * n
        self._hose = [False] * n
        self._faults = set()
        self._stuck_in = {}
        self._stuck_vt = {}
        self._dead = []
        self._frozen = []  # (sensor, the reading it is stuck at)
        self._pump_scale = 1.0
        self._pump_stuck = False
        self._exhaust_stuck = None  # 0 or 1 once the shared exhaust sticks
        self._sensor_faulty = False  # any sensor gain, drift or noise fault: the slower sampling path
        self._build_consts()
        # Sensors. Draw order is fixed: offsets, then the noise table, then one pick per sample.
        rng = random.Random(seed)
        self._grb = rng.getrandbits
        q = max(1, int(pr.sensor_quantum_dmmhg))
        self._q = q
        self._scale = 10.0 / q  # mmHg -> quanta
        ns = self.sensors
        self._off = [rng.uniform(-1.0, 1.0) * pr.sensor_offset_mmhg * 10.0 / q for _ in range(ns)]
        sig = pr.sensor_noise_mmhg * 10.0 / q
        self._ntab = [rng.gauss(0.0, 1.0) * sig for _ in range(1 << _NOISE_BITS)]
        lo, hi = pr.sensor_min_mmhg * 10.0, pr.sensor_max_mmhg * 10.0
        if sensor_span_dmmhg is not None:  # the board's own module scale (topology.sensor_span_dmmhg)
            lo, hi = -float(sensor_span_dmmhg), float(sensor_span_dmmhg)
        self._lo = math.ceil(lo / q) * q
        self._hi = math.floor(hi / q) * q
        self._filt = [0.0] * ns
        self._gain = [1.0] * ns  # what fraction of the pressure each sensor sees (0: detached)
        self._drift = [0.0] * ns  # offset change per ms, in quanta
        self._noise_x = [1.0] * ns
        self._period = float(pr.sensor_period_ms)
        self._read = [0] * ns
        self._dt_ms = None
        self._hold_h = [1.0] * n
        self._sclock = self._period
        # The limb (limb.py) and the pump's pulsation: off unless the parameters ask for them,
        # and then on their own seeded stream, so the draws above stay those of the seed.
        self._size = [1.0] * n  # chamber size multipliers (the limb model's, from distal to proximal)
        self._limb = self._make_limb(seed) if limb_model.enabled(pr) else None
        self._ripple = pr.pump_rate_hz >= 1.0  # (slower than 1 Hz is no diaphragm pump: off)
        self._pump_phase = 0.0
        self._pump_flow = 0.0  # normal L/s the pump delivered in the last step
        self._gin = None
        self._rip_key = None
        self._rip_age = 0
        self._rip_amp = None
        self.step(0, 0, [0] * n, [0] * n)  # the first sample: offset and noise only

    def _build_consts(self):
        pr = self.params
        b = pr.valve_b
        self._k = (
            self.chambers, b, 1.0 / (1.0 - b),
            math.sqrt(1.0 - ((R_LAM - b) / (1.0 - b)) ** 2) / (1.0 - R_LAM),  # laminar G/C
            pr.chamber_min_l, pr.chamber_unfold_l, 1.0 / pr.knee_mmhg,
            pr.chamber_unfold_l / pr.knee_mmhg, pr.tissue_l_per_mmhg,
            pr.manifold_l / P_ATM,  # manifold capacitance, L/mmHg
            pr.pump_free_lpm * self._pump_scale / 6000.0,  # L/s per % duty
            pr.pump_stall_mmhg, 1.0 / pr.pump_stall_mmhg,
            pr.manifold_leak_c / MMHG_PER_BAR,
            pr.exhaust_c / MMHG_PER_BAR if self.exhaust_valve else 0.0,
            float(pr.valve_delay_ms), self.vent_valves,
        )

    @property
    def exhaust_open(self):
        return self._ex[0][0]

    def step(self, dt_ms, pump_duty, inlet, vent, exhaust=0):
        """Advance dt_ms with these commanded outputs (inlet/vent: sequences of 0/1 per
        chamber, chamber 0 most distal; vent ignored if there are no vent valves)."""
        (n, b, inv1b, klam, vmin, dvol, inv_knee, dv_knee, ctis, kman, qduty, stall,
         inv_stall, cmleak, cex, delay, vents) = self._k
        if dt_ms != self._dt_ms:
            if dt_ms < 0:
                raise ValueError("dt_ms must be >= 0")
            self._new_dt(dt_ms)
        self.time_ms += dt_ms
        dt = dt_ms * 0.001
        p = self.true_mmhg
        if self._pump_stuck:
            pump_duty = 100
        if self._exhaust_stuck is not None:
            exhaust = self._exhaust_stuck

        # Valve positions: the fraction of this step each one is open.
        if type(inlet) is not list:
            inlet = list(inlet)
        if self._stuck_in:
            inlet = [self._stuck_in.get(i, inlet[i]) for i in range(n)]
        fin = self.inlet_open
        if inlet != self._in_tgt or self._in_pend:
            fin = self._bank(fin, self._in_tgt, self._in_left, inlet, dt_ms)
            self._in_pend = any(self._in_left)
        fvt = self.vent_open  # all 0 without vent valves
        if vents:
            if type(vent) is not list:
                vent = list(vent)
            if self._stuck_vt:
                vent = [self._stuck_vt.get(i, vent[i]) for i in range(n)]
            if vent != self._vt_tgt or self._vt_pend:
                fvt = self._bank(fvt, self._vt_tgt, self._vt_left, vent, dt_ms)
                self._vt_pend = any(self._vt_left)

        # Manifold: pump, its own leak, the shared exhaust, then every open inlet.
        pm = self.manifold_mmhg
        num = kman * pm
        den = kman
        if pump_duty > 0 and pm < stall:
            q = qduty * (pump_duty if pump_duty < 100 else 100) * dt
            num += q  # dt * free flow ...
            den += q * inv_stall  # ... less its fall with back pressure, taken implicitly
        go = cmleak
        if cex:
            ex = self._ex
            if exhaust != ex[1][0] or ex[2][0]:
                go += cex * _switch(ex[0], ex[1], ex[2], 0, exhaust, dt_ms, delay)
            elif ex[0][0]:
                go += cex
        if pm > 0.0:
            up = P_ATM + pm
            r = P_ATM / up
            s = _secant(up, r, pm, b, inv1b, klam)
            den += go * s * dt
        gin = [0.0] * n
        c_in = self._c_in
        hose = self._hose
        i = -1
        for fi in fin:
            i += 1
            if fi:
                pc = 0.0 if hose[i] else p[i]
                up, r, d = across(pm, pc)
                s = _secant(up, r, d, b, inv1b, klam)
                g = c_in[i] * fi * s * dt
                gin[i] = g
                num += g * pc
                den += g
        pm = num / den
        self.manifold_mmhg = pm
        if self._ripple:
            self._pump_stroke(pump_duty, pm, qduty, inv_stall, dt, gin)
        if self._limb is not None:
            # The chambers with the limb's volume, capacity and sources (limb.py).
            self._limb.chambers(self.time_ms, dt_ms, p, pm, gin, fvt, self._k, self._c_leak, self._c_vent, hose)
            self._sense(dt_ms, pm)
            return

        # Chambers, against the new manifold pressure.
        exp = math.exp
        c_vent = self._c_vent
        c_leak = self._c_leak
        hold_p = self._hold_p
        hold_h = self._hold_h
        for i in range(n):
            g = gin[i]
            pc = p[i]
            if not g:
                if pc == 0.0:
                    continue  # at atmosphere, no path from the pump: nothing to integrate
                fv = fvt[i]
                if not fv:
                    # Shut in: only the leak, p' = h * p. h is reused while p stays within
                    # 0.5 mmHg of where it was worked out (K and the leak change slowly).
                    hp = hold_p[i]
                    if not hp - 0.5 < pc < hp + 0.5:
                        e = exp(-pc * inv_knee)
                        k = vmin + dvol * (1.0 - e) + ctis * pc + (P_ATM + pc) * (dv_knee * e + ctis)
                        up = P_ATM + pc
                        r = P_ATM / up
                        s = _secant(up, r, pc, b, inv1b, klam)
                        hold_p[i] = pc
                        hold_h[i] = k / (k + c_leak[i] * s * dt * P_ATM)  # k here is K * P_atm
                    pc *= hold_h[i]
                    p[i] = pc if pc >= SNAP else 0.0
                    continue
            elif hose[i]:
                continue  # stays at 0: the inlet blows out of the loose hose
            else:
                fv = fvt[i]
            e = exp(-pc * inv_knee)
            k = (vmin + dvol * (1.0 - e) + ctis * pc + (P_ATM + pc) * (dv_knee * e + ctis)) * (1.0 / P_ATM)
            go = c_leak[i] + c_vent[i] * fv
            if pc > 0.0:
                up = P_ATM + pc
                r = P_ATM / up
                s = _secant(up, r, pc, b, inv1b, klam)
            else:
                s = klam
            pc = (k * pc + g * pm) / (k + g + go * s * dt)
            if pc < SNAP and not g:
                pc = 0.0
            p[i] = pc
        self._sense(dt_ms, pm)

    def _sense(self, dt_ms, pm):
        """Sensors: the lag runs continuously, a new sample every sensor_period_ms."""
        p = self.true_mmhg
        n = self.chambers
        if self.manifold_sensor:
            self._sensed[0] = pm
            p = self._sensed
            n = 1
        a = self._alpha
        filt = self._filt
        t = self._sclock + dt_ms
        if t < self._period:
            for i in range(n):
                f = filt[i]
                filt[i] = f + a * (p[i] - f)
        else:
            t %= self._period
            floor = math.floor
            grb = self._grb
            ntab = self._ntab
            sc = self._scale
            q = self._q
            lo = self._lo
            hi = self._hi
            rd = self._read
            off = self._off
            rip = self._ripple_quanta(n) if self._ripple and self._pump_flow > 0.0 else None
            if self._sensor_faulty:
                self._sample_faulty(n, p, a, rip)
            elif rip is not None:
                for i in range(n):
                    f = filt[i]
                    filt[i] = f = f + a * (p[i] - f)
                    v = floor(f * sc + off[i] + ntab[grb(_NOISE_BITS)] + 0.5 + rip[i]) * q
                    rd[i] = SENSOR_UNDER if v < lo else SENSOR_OVER if v > hi else v
            else:
                for i in range(n):
                    f = filt[i]
                    filt[i] = f = f + a * (p[i] - f)
                    v = floor(f * sc + off[i] + ntab[grb(_NOISE_BITS)] + 0.5) * q
                    rd[i] = SENSOR_UNDER if v < lo else SENSOR_OVER if v > hi else v
            for i in self._dead:
                rd[i] = SENSOR_DEAD
            for i, v in self._frozen:
                rd[i] = v
        self._sclock = t

    def _sample_faulty(self, n, p, a, rip=None):
        """One sample of every sensor, with the injected gain, drift and noise faults and the
        pump's pulsation (rip: quanta per sensor, or None)."""
        filt, off, rd, gain, drift, nx = self._filt, self._off, self._read, self._gain, self._drift, self._noise_x
        for i in range(n):
            f = filt[i]
            filt[i] = f = f + a * (p[i] * gain[i] - f)
            off[i] += drift[i] * self._period
            x = f * self._scale + off[i] + self._ntab[self._grb(_NOISE_BITS)] * nx[i] + 0.5
            if rip is not None:
                x += rip[i] * gain[i]
            v = math.floor(x) * self._q
            rd[i] = SENSOR_UNDER if v < self._lo else SENSOR_OVER if v > self._hi else v

    # -- the limb (limb.py) ----------------------------------------------------------------

    def _bladder(self, i, pc):
        """Chamber i's bladder alone at gauge pressure pc: (air volume L, its slope L/mmHg)."""
        k = self._k
        e = math.exp(-pc * k[6])
        sz = self._size[i]
        return sz * (k[4] + k[5] * (1.0 - e) + k[8] * pc), sz * (k[7] * e + k[8])

    def _make_limb(self, seed):
        pr = self.params
        n = self.chambers
        d, x = pr.size_distal, pr.size_proximal
        if not (d > 0 and x > 0):
            raise ValueError("size_distal and size_proximal must be > 0")
        self._size = [d + (x - d) * (i + 0.5) / n for i in range(n)]  # at each chamber's middle
        ref = [self._bladder(i, REF_MMHG) for i in range(n)]
        return limb_model.Limb(n, pr, seed, REF_MMHG, self._size, ref)

    @property
    def displaced_ml(self):
        """Limb volume each chamber has pressed out now (mL; zeros without a limb model)."""
        if self._limb is None:
            return [0.0] * self.chambers
        return [d * 1000.0 for d in self._limb.displaced(self.true_mmhg)]

    @property
    def moving(self):
        """Whether the wearer is moving the limb now (False without a limb model)."""
        return self._limb is not None and self._limb.moving

    @property
    def mid_share(self):
        """Per chamber, the part of its displaceable limb volume in the mid segment (calf,
        forearm): 0 to 1 (zeros without a limb model)."""
        if self._limb is None:
            return [0.0] * self.chambers
        return [m / t if t else 0.0 for m, t in zip(self._limb.mid, self._limb.most)]

    # -- the pump's pulsation ----------------------------------------------------------------

    def _pump_stroke(self, duty, pm, qduty, inv_stall, dt, gin):
        """The diaphragm's stroke rate and mean flow this step (the pulsation's phase moves on)."""
        if duty > 0 and qduty > 0.0 and pm * inv_stall < 1.0:
            d = duty if duty < 100 else 100
            self._pump_flow = qduty * d * (1.0 - pm * inv_stall)
            self._pump_hz = self.params.pump_rate_hz * d * 0.01
            self._pump_phase = (self._pump_phase + 2.0 * math.pi * self._pump_hz * dt) % (2.0 * math.pi)
            self._gin = gin
        else:
            self._pump_flow = 0.0

    def _ripple_quanta(self, n):
        """The pump's pulsation in this sample, quanta per sensor.

        A one-cylinder diaphragm delivers in half-sine bursts: flow fundamental (pi/2) x mean
        flow at the stroke rate f. It drives the manifold's capacity in parallel with each fed
        chamber behind its inlet (secant conductance G in series with the chamber's capacity K):
        Y = j w K_m + sum G j w K / (G + j w K); the manifold swings I / |Y|, a fed chamber
        |G / (G + j w K)| of that (the inlet is a low-pass: a chamber sees little). The HX710B
        averages over its conversion period T: x sinc(f T), read at the window's middle, so the
        pulsation aliases (60 Hz at 40 Hz sampling reads as 20 Hz; 40 Hz vanishes)."""
        f = self._pump_hz
        half = math.pi * f * self._period * 0.001
        wave = (math.sin(half) / half if half else 1.0) * math.sin(self._pump_phase - half) * self._scale
        fed = [i for i, g in enumerate(self._gin) if g]
        key = (f, fed)
        if key != self._rip_key or self._rip_age >= _RIPPLE_EVERY:
            self._rip_key = key
            self._rip_age = 0
            self._rip_amp = self._ripple_amplitude(f, fed)
        self._rip_age += 1
        return [a * wave for a in self._rip_amp[:n]]

    def _ripple_amplitude(self, f, fed):
        """Swing of the pulsation per sensor (mmHg, before the ADC's averaging)."""
        w = 2.0 * math.pi * f
        dt = self._dt_ms * 0.001
        y = complex(0.0, w * self._k[9])
        share = [0.0] * self.chambers
        p = self.true_mmhg
        for i in fed:
            if not dt:
                break
            cond = self._gin[i] / dt
            if self._hose[i]:
                y += cond
                continue
            v, c = self._bladder(i, p[i])
            if self._limb is not None:
                lv, lc = self._limb.air_volume(i, p[i])
                v += lv
                c += lc
            jwk = complex(0.0, w * (v + (P_ATM + p[i]) * c) / P_ATM)
            y += cond * jwk / (cond + jwk)
            share[i] = abs(cond / (cond + jwk))
        swing = 0.5 * math.pi * self._pump_flow / abs(y)
        if self.manifold_sensor:
            return [swing]
        return [swing * s for s in share]

    def _bank(self, act, tgt, left, cmd, dt_ms):
        delay = self.params.valve_delay_ms
        return [_switch(act, tgt, left, i, cmd[i], dt_ms, delay) for i in range(self.chambers)]

    def _new_dt(self, dt_ms):
        self._dt_ms = dt_ms
        tau = self.params.sensor_tau_ms
        self._alpha = 1.0 - math.exp(-dt_ms / tau) if tau > 0 else 1.0
        self._hold_p = [-1e9] * self.chambers  # recompute the shut-in leak factors

    def read_sensors(self, out):
        """Fill out[i] with sensor i's reading (chamber i's, or out[0] = the manifold's on a
        single-sensor build), int dmmHg incl. offset, noise, lag and quantisation; SENSOR_DEAD
        when the sensor is dead. Readings hold between samples."""
        rd = self._read
        if type(out) is list:
            out[:self.sensors] = rd
        else:
            for i in range(self.sensors):
                out[i] = rd[i]

    def inject(self, fault, chamber=0):
        """Inject a physical fault (one of FAULTS) on a chamber (pump faults ignore it).

        Chamber: 'leak': fault_leak_c more leak; 'hose-off': the hose is off, so the chamber
        sits at 0 and its inlet blows to atmosphere; 'kink': inlet conductance x0.02.
        Valves: 'stuck-vent' stays shut, 'stuck-vent-open' stays open (on a shared-exhaust
        build both act on the exhaust); 'stuck-inlet' stays open, 'stuck-inlet-closed' shut.
        Sensors (on a single-sensor build, the manifold's): 'dead-sensor' reads SENSOR_DEAD;
        'stuck-sensor' freezes where it is (a live-looking value: the dangerous case);
        'detached-sensor' reads atmosphere, with its noise and offset (a sense tube off);
        'low-sensor' reads LOW_SENSOR_GAIN of the pressure; 'drifting-sensor': its zero walks
        at DRIFT_MMHG_PER_S; 'noisy-sensor': noise x NOISY_SENSOR_X.
        Pump: 'pump-weak' free flow x0.3; 'dead-pump' delivers nothing; 'stuck-pump' runs at
        full whatever it is told. Injecting the same fault twice changes nothing; nothing
        clears a fault."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; allowed: {', '.join(FAULTS)}")
        i = int(chamber)
        if not 0 <= i < self.chambers:
            raise ValueError(f"chamber {i} out of range 0..{self.chambers - 1}")
        key = (fault, None if fault in PUMP_FAULTS else i)
        if key in self._faults:
            return
        self._faults.add(key)
        if fault in SENSOR_FAULTS:
            self._inject_sensor(fault, 0 if self.manifold_sensor else i)
        elif fault in PUMP_FAULTS:
            if fault == "stuck-pump":
                self._pump_stuck = True
            else:
                self._pump_scale = 0.3 if fault == "pump-weak" else 0.0
                self._build_consts()
        elif fault == "leak":
            self._c_leak[i] += self.params.fault_leak_c / MMHG_PER_BAR
            self._hold_p[i] = -1e9
        elif fault == "hose-off":
            self._hose[i] = True
            self.true_mmhg[i] = 0.0
        elif fault == "kink":
            self._c_in[i] *= 0.02
        elif fault in ("stuck-vent", "stuck-vent-open"):
            self._stick_vent(i, 1 if fault == "stuck-vent-open" else 0)
        else:  # stuck-inlet, stuck-inlet-closed
            at = 0 if fault == "stuck-inlet-closed" else 1
            self._stuck_in[i] = at
            self.inlet_open[i] = self._in_tgt[i] = at
            self._in_left[i] = 0.0

    def _stick_vent(self, i, at):
        if self.vent_valves:
            self._stuck_vt[i] = at
            self.vent_open[i] = self._vt_tgt[i] = at
            self._vt_left[i] = 0.0
        elif self.exhaust_valve:
            self._exhaust_stuck = at
            act, tgt, left = self._ex
            act[0] = tgt[0] = at
            left[0] = 0.0

    def _inject_sensor(self, fault, i):
        if fault == "dead-sensor":
            self._dead.append(i)
            self._read[i] = SENSOR_DEAD
        elif fault == "stuck-sensor":
            self._frozen.append((i, self._read[i]))
        else:
            self._sensor_faulty = True
            if fault == "detached-sensor":
                self._gain[i] = 0.0
                self._filt[i] = 0.0  # the sense port is at atmosphere from now on
            elif fault == "low-sensor":
                self._gain[i] = LOW_SENSOR_GAIN
            elif fault == "drifting-sensor":
                self._drift[i] = DRIFT_MMHG_PER_S * 0.001 * self._scale
            else:
                self._noise_x[i] = NOISY_SENSOR_X

    @property
    def faults(self):
        """The injected faults as sorted (name, chamber) pairs (chamber None for 'pump-weak')."""
        return sorted(self._faults, key=lambda f: (f[0], -1 if f[1] is None else f[1]))
