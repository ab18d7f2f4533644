"""The limb under the chambers (tools/pulseboot/plant/limb.py) against the published figures it
stands on, read from the plant directly (no firmware), and the presets that carry it.

Figures and their sources are in tools/pulseboot/plant/presets.py: calf volume after a pressure
step settles with tau = RC = 4.2 s (Phys Med Biol 1977;22(6):1146-59), calf venous volume expelled
from 0 to 80 mmHg 87 mL (65-113), the wearer's pulse 1-3 mmHg peak to peak at 50-100 bpm.
"""

import math
import random
from dataclasses import MISSING, fields, replace
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulseboot.plant import (
    LEG_LIMB,
    LIMB_PRESETS,
    PRESETS,
    REF_MMHG,
    SENSOR_DEAD,
    SENSOR_OVER,
    SENSOR_UNDER,
    Plant,
    PlantParams,
    limb,
    preset,
)

TICK = 25
LEGS = ["small-leg", "large-leg"]
BODIES = sorted(LIMB_PRESETS)  # arm, large-leg, small-leg
LIMB_FIELDS = [f for f in fields(PlantParams) if f.default is not MISSING]  # the limb's, each "off" by default
# Everything but the creep, so a creep figure can be read off clean.
CREEP_ONLY = dict(pulse_mmhg=0.0, move_per_min=0.0, pump_air_k=0.0, air_warm_k=0.0, leak_c=0.0, manifold_leak_c=0.0)


def cmd(n, *open_):
    return [1 if i in open_ else 0 for i in range(n)]


def run(plant, seconds, duty, inlet, vent, dt=TICK):
    for _ in range(round(seconds * 1000 / dt)):
        plant.step(dt, duty, inlet, vent)


def fill(plant, i, target, limit_s=30.0):
    """Fill chamber i at full duty until it reaches target, then let its inlet shut; seconds taken."""
    n = plant.chambers
    t = 0
    while plant.true_mmhg[i] < target:
        assert t < limit_s * 1000, "no fill"
        plant.step(TICK, 100, cmd(n, i), cmd(n))
        t += TICK
    run(plant, 0.05, 0, cmd(n), cmd(n))
    return t / 1000


def hold(plant, target, seconds, chambers=None):
    """Keep the chambers at target for seconds: an inlet opens below it, shuts at it."""
    n = plant.chambers
    which = range(n) if chambers is None else chambers
    for _ in range(round(seconds * 1000 / TICK)):
        inlet = [1 if i in which and plant.true_mmhg[i] < target else 0 for i in range(n)]
        plant.step(TICK, 100 if any(inlet) else 0, inlet, cmd(n))


def record(plant, seconds, i=None):
    """True pressure of chamber i (or every chamber) and the readings, every tick, all valves shut."""
    n = plant.chambers
    out = [0] * plant.sensors
    ps, rs = [], []
    for _ in range(round(seconds * 1000 / TICK)):
        plant.step(TICK, 0, cmd(n), cmd(n))
        plant.read_sensors(out)
        ps.append(plant.true_mmhg[i] if i is not None else list(plant.true_mmhg))
        rs.append(out[i] if i is not None else list(out))
    return ps, rs


def calf_chamber(n):
    """The chamber most in the mid segment (the calf on a leg, the forearm on an arm)."""
    shares = Plant(n, LIMB_PRESETS["small-leg"]).mid_share
    return max(range(n), key=lambda i: (shares[i], -i))


def detrend(xs):
    """xs less its least-squares line."""
    n = len(xs)
    mx = (n - 1) / 2
    my = sum(xs) / n
    slope = sum((k - mx) * (x - my) for k, x in enumerate(xs)) / sum((k - mx) ** 2 for k in range(n))
    return [x - my - slope * (k - mx) for k, x in enumerate(xs)]


# -- the presets -------------------------------------------------------------------------------

def test_every_limb_effect_is_off_at_its_default():
    defaults = {f.name: f.default for f in LIMB_FIELDS}
    assert set(defaults) >= set(LEG_LIMB) and all(f.name in defaults for f in LIMB_FIELDS)
    for name in BODIES:
        off = replace(LIMB_PRESETS[name], **defaults, tissue_l_per_mmhg=PRESETS[name].tissue_l_per_mmhg)
        assert not limb.enabled(off)
        assert off == PRESETS[name]  # the limb preset is the plain one with the limb switched on, nothing else


def test_body_presets_run_without_the_limb_and_the_limb_presets_carry_all_of_it():
    for name in BODIES:
        assert not limb.enabled(PRESETS[name]) and limb.enabled(LIMB_PRESETS[name])
        pr = LIMB_PRESETS[name]
        assert pr.creep_tau_s and pr.refill_s and pr.coupling_mmhg and pr.pulse_mmhg and pr.move_per_min
        assert pr.pump_rate_hz and pr.air_heat_tau_s and pr.size_distal < 1.0 < pr.size_proximal
    bench = preset("bench")
    assert not (bench.limb_distal_ml or bench.limb_mid_ml or bench.limb_proximal_ml or bench.pulse_mmhg
                or bench.move_per_min or bench.coupling_mmhg)  # no limb: a bottle
    assert bench.pump_rate_hz and bench.air_heat_tau_s and bench.chamber_unfold_l == 0.0
    plain = Plant(4, PRESETS["small-leg"])
    assert plain.displaced_ml == [0.0] * 4 and plain.mid_share == [0.0] * 4


def test_bench_bottle_fills_and_vents_like_half_a_litre():
    plant = Plant(4, preset("bench"))
    t = fill(plant, 0, 60.0)
    assert 0.5 <= t <= 1.5, t  # 0.5 L x 60/760 = 40 mL of air at ~50 mL/s
    n_air = 0.505 * 60.0 / 760.0
    assert n_air == pytest.approx(0.04, abs=0.002)
    p0 = plant.true_mmhg[0]
    run(plant, 30, 0, cmd(4), cmd(4))
    assert 0.0 < p0 - plant.true_mmhg[0] < 3.0  # its leak and a little cooling, no creep
    run(plant, 2, 0, cmd(4), cmd(4, 0))
    assert plant.true_mmhg[0] < 5.0


@pytest.mark.parametrize("name", ["small-leg", "arm", "bench"])
def test_the_limb_path_keeps_the_plain_pneumatics(name):
    # With a limb effect on, the chambers go through limb.py; its pneumatics must be model.py's
    # (a fit replays those), so a limb that does nothing changes nothing beyond rounding: here
    # a size gradient of 1e-12 against none, under random commands on both valve layouts.
    base = replace(preset(name), pump_air_k=0.0, air_warm_k=0.0, air_heat_tau_s=0.0, pump_rate_hz=0.0)
    limbish = replace(base, size_distal=1.0 + 1e-12)
    worst = 0.0
    for vents in (True, False):
        a = Plant(4, base, seed=1, vent_valves=vents, exhaust_valve=not vents)
        b = Plant(4, limbish, seed=1, vent_valves=vents, exhaust_valve=not vents)
        assert not limb.enabled(base) and limb.enabled(limbish)
        rng = random.Random(2)
        for k in range(4000):
            if k % 80 == 0:
                duty = rng.choice([0, 50, 100])
                inlet = [rng.random() < 0.4 for _ in range(4)]
                vent = [rng.random() < 0.4 for _ in range(4)]
                exhaust = rng.randint(0, 1)
            a.step(TICK, duty, inlet, vent, exhaust)
            b.step(TICK, duty, inlet, vent, exhaust)
            worst = max(worst, *(abs(x - y) for x, y in zip(a.true_mmhg, b.true_mmhg)))
    assert worst < 0.1, worst  # (a vented chamber within 0.05 mmHg of atmosphere is at it)


@pytest.mark.parametrize("name", BODIES)
def test_chambers_grow_from_the_distal_end(name):
    pr = LIMB_PRESETS[name]
    times = [fill(Plant(4, pr), i, 40.0) for i in range(4)]
    assert times == sorted(times) and times[-1] > 1.2 * times[0], times


# -- published figures --------------------------------------------------------------------------

def fit_tau(ps, dt_s, settled):
    """Time constant of ps relaxing towards settled (least squares on log(p - settled))."""
    pts = [(k * dt_s, math.log(p - settled)) for k, p in enumerate(ps) if p - settled > 0.3]
    n = len(pts)
    mx = sum(t for t, _ in pts) / n
    my = sum(y for _, y in pts) / n
    slope = sum((t - mx) * (y - my) for t, y in pts) / sum((t - mx) ** 2 for t, _ in pts)
    return -1.0 / slope


@pytest.mark.parametrize("chambers", [4, 8])
@pytest.mark.parametrize("name", BODIES)
def test_shut_in_chamber_relaxes_with_a_time_constant_of_2_to_6_s(name, chambers):
    # The 1977 calf: volume settles exponentially after a pressure step, tau = RC = 4.2 s (SD
    # range about 2-6 s). In a shut-in bladder the pressure droops as the limb creeps out
    # from under it; the bladder's own air gives a little, so the pressure settles a bit faster
    # than the volume alone would (here 2.9-3.9 s).
    plant = Plant(chambers, replace(LIMB_PRESETS[name], **CREEP_ONLY))
    i = calf_chamber(chambers)
    fill(plant, i, 60.0)
    ps, _ = record(plant, 40.0, i)
    settled = ps[-1]
    assert 60.0 - settled > 3.0  # a real droop, not a leak
    tau = fit_tau(ps[:480], TICK / 1000, settled)  # the first 12 s
    assert 2.0 <= tau <= 6.0, tau
    assert abs(ps[-1] - ps[-200]) < 0.05  # and it has settled (no leak here)


@pytest.mark.parametrize("chambers", [3, 4, 8])
@pytest.mark.parametrize("name", LEGS)
def test_displaced_calf_volume_at_80_mmhg(name, chambers):
    # Calf venous volume expelled from 0 to 80 mmHg: 87 mL (65-113). The presets put 75 mL
    # (small calf, 1.8 L) and 100 mL (large, 2.45 L) there, shared by whichever chambers cover it.
    pr = replace(LIMB_PRESETS[name], move_per_min=0.0)  # (a movement would shift it for a moment)
    plant = Plant(chambers, pr, seed=4)
    for i in range(chambers):  # distal to proximal, as a wave would
        hold(plant, 80.0, 8.0, range(i + 1))
    hold(plant, 80.0, 45.0)  # ten time constants: settled
    assert all(79.0 <= p < 85.0 for p in plant.true_mmhg)
    calf = sum(s * d for s, d in zip(plant.mid_share, plant.displaced_ml))
    assert 65.0 <= calf <= 113.0, calf
    stated = pr.limb_mid_ml * (1.0 - math.exp(-80.0 / pr.limb_knee_mmhg))
    assert calf == pytest.approx(stated, abs=4.0)
    assert sum(mid for _, mid in limb.segment_volumes(chambers, pr)) * 1000 == pytest.approx(pr.limb_mid_ml)


@pytest.mark.parametrize("name", BODIES)
def test_pulse_shows_at_its_stated_amplitude_and_rate(name):
    # 1-3 mmHg peak to peak at 50-100 bpm; the presets: 2 mmHg at 70 bpm in a chamber held at REF.
    pr = replace(LIMB_PRESETS[name], move_per_min=0.0, pump_air_k=0.0, air_warm_k=0.0, leak_c=0.0)
    plant = Plant(4, pr, seed=2)
    i = calf_chamber(4)
    hold(plant, REF_MMHG, 30.0, [i])
    run(plant, 10.0, 0, cmd(4), cmd(4))  # shut in: the creep settles
    ps, rs = record(plant, 12.0, i)
    assert abs(sum(ps) / len(ps) - REF_MMHG) < 6.0
    wave = detrend(ps)
    pp = max(wave) - min(wave)
    assert 0.7 * pr.pulse_mmhg <= pp <= 1.3 * pr.pulse_mmhg, pp
    beats = sum(1 for k in range(1, len(wave)) if wave[k - 1] < 0.0 <= wave[k] and max(wave[k:k + 8]) > 0.3 * pp)
    assert abs(beats - pr.pulse_bpm * 12.0 / 60.0) <= 2, beats
    # The sensor shows it above its noise (0.3 mmHg sigma).
    seen = detrend([r / 10 for r in rs])
    assert max(seen) - min(seen) >= 0.7 * pr.pulse_mmhg


def _fill_marks(pr, dt, levels=(10.0, 20.0, 30.0, 40.0, 50.0, 60.0)):
    """When (ms) a chamber filled at full duty reaches each level."""
    plant = Plant(4, pr, seed=3)
    t = 0
    out = []
    for m in levels:
        while plant.true_mmhg[1] < m:
            assert t < 20000
            plant.step(dt, 100, cmd(4, 1), cmd(4))
            t += dt
        out.append(t)
    return out


@pytest.mark.parametrize("plant", ["small-leg", "large-leg", "arm", "bench", "limb:small-leg", "limb:large-leg",
                                   "limb:arm"])
def test_fill_curve_converges_as_the_step_shrinks(plant):
    # The fill curve at steps of 25, 5 and 1 ms: when it reaches 10, 20 ... 60 mmHg. The solve is
    # linearly implicit, with each node's capacity and conductances from the start of the step
    # and the manifold before the chambers, so a coarse step fills late: at the firmware's 25 ms
    # tick up to 160 ms (about 6 ticks) behind a 1 ms step, at 5 ms up to 25 ms. First order: the
    # lag at 5 ms is a fifth of the one at 25 ms or less. The limb's own terms go by the plant's
    # clock and add nothing to it.
    pr = LIMB_PRESETS[plant[5:]] if plant.startswith("limb:") else preset(plant)
    fine = _fill_marks(pr, 1)
    lag25 = max(abs(a - b) for a, b in zip(_fill_marks(pr, 25), fine))
    lag5 = max(abs(a - b) for a, b in zip(_fill_marks(pr, 5), fine))
    assert lag25 <= 175 and lag5 <= 30, (lag25, lag5)
    assert lag5 <= lag25 / 3, (lag25, lag5)


# -- the other effects ---------------------------------------------------------------------------

def test_venous_refill_comes_back_linearly_so_each_fill_differs():
    # After release the calf refills linearly at its inflow (1977: 0.054 %/s of calf volume):
    # here the creeping part comes back in refill_s = 57 s. A fill after a short rest meets
    # emptier veins than one after a long rest: less creeps out from under the bladder, so it
    # fills a little sooner and droops far less once shut in.
    pr = replace(LIMB_PRESETS["small-leg"], **CREEP_ONLY, coupling_mmhg=0.0)
    i = calf_chamber(4)
    most, _mid = limb.segment_volumes(4, pr)[i]
    rate = (1.0 - pr.creep_fast) * most * 1000.0 / pr.refill_s  # mL/s
    times, droops = {}, {}
    for rest in (10.0, 90.0):
        plant = Plant(4, pr)
        first = fill(plant, i, 60.0)
        hold(plant, 60.0, 20.0, [i])
        run(plant, 5.0, 0, cmd(4), cmd(4, i))  # vent: the part that follows the pressure is back
        d0 = plant.displaced_ml[i]
        run(plant, rest, 0, cmd(4), cmd(4, i))
        d1 = plant.displaced_ml[i]
        if rest == 10.0:
            assert d0 - d1 == pytest.approx(rate * rest, rel=0.05)  # linear, at the inflow
        else:
            assert d1 == 0.0  # refilled
        times[rest] = fill(plant, i, 60.0)
        ps, _ = record(plant, 15.0, i)
        droops[rest] = 60.0 - ps[-1]
        if rest == 90.0:
            assert times[rest] == pytest.approx(first, abs=0.05)  # as the very first fill
    assert times[10.0] < times[90.0], times
    assert droops[10.0] < 0.7 * droops[90.0], droops


def test_coupling_moves_held_neighbours_and_venting_gives_it_back():
    base = replace(LIMB_PRESETS["small-leg"], move_per_min=0.0, leak_c=0.0, pump_air_k=0.0, air_warm_k=0.0)
    runs = {}
    for c in (0.0, base.coupling_mmhg):
        plant = Plant(4, replace(base, coupling_mmhg=c), seed=1)
        hold(plant, REF_MMHG, 30.0, [0, 2])  # neighbours held at REF, settled
        run(plant, 0.1, 0, cmd(4), cmd(4))
        before = plant.true_mmhg[0], plant.true_mmhg[2]
        hold(plant, REF_MMHG, 30.0, [1])  # the middle one fills and settles
        run(plant, 0.1, 0, cmd(4), cmd(4))
        filled = plant.true_mmhg[0], plant.true_mmhg[2]
        run(plant, 90.0, 0, cmd(4), cmd(4, 1))  # it vents; its limb refills
        vented = plant.true_mmhg[0], plant.true_mmhg[2]
        runs[c] = before, filled, vented
    on, off = runs[base.coupling_mmhg], runs[0.0]
    for k in (0, 1):  # chambers 0 and 2, against the same run without coupling
        rise = (on[1][k] - on[0][k]) - (off[1][k] - off[0][k])
        assert 0.6 * base.coupling_mmhg <= rise <= 1.4 * base.coupling_mmhg, rise
        left = (on[2][k] - on[0][k]) - (off[2][k] - off[0][k])
        assert abs(left) < 0.3 * rise, left


def test_movements_are_occasional_brief_seeded_and_a_few_to_12_mmhg():
    pr = replace(LIMB_PRESETS["small-leg"], pulse_mmhg=0.0, pump_air_k=0.0, air_warm_k=0.0, leak_c=0.0)
    i = calf_chamber(4)

    def trace(seed):
        plant = Plant(4, pr, seed=seed)
        hold(plant, REF_MMHG, 30.0, [i])
        run(plant, 10.0, 0, cmd(4), cmd(4))
        return record(plant, 600.0, i)[0]

    a = trace(11)
    assert trace(11) == a
    assert trace(12) != a
    base = sorted(a)[len(a) // 2]
    events = []  # (start index, end index, largest excursion)
    k = 0
    while k < len(a):
        if abs(a[k] - base) > 1.0:
            j = k
            while j < len(a) and abs(a[j] - base) > 1.0:
                j += 1
            events.append((k, j, max(abs(x - base) for x in a[k:j])))
            k = j
        k += 1
    assert 1 <= len(events) <= 15, events  # 0.5 a minute over 10 minutes: about 5
    assert all((j - k) * TICK <= pr.move_ms for k, j, _ in events)  # a fraction of a second
    assert 3.0 <= max(e for _, _, e in events) <= 1.5 * pr.move_mmhg


def test_the_plant_says_while_the_wearer_moves():
    # The bench's accuracy judge (report/steady.py) leaves the peaks a movement came under apart:
    # the plant must say when one is under way, and only then.
    pr = replace(LIMB_PRESETS["small-leg"], pulse_mmhg=0.0, pump_air_k=0.0, air_warm_k=0.0, leak_c=0.0)
    i = calf_chamber(4)
    for rate, expect in ((pr.move_per_min, True), (0.0, False)):
        plant = Plant(4, replace(pr, move_per_min=rate), seed=11)
        hold(plant, REF_MMHG, 30.0, [i])
        run(plant, 10.0, 0, cmd(4), cmd(4))
        base = plant.true_mmhg[i]
        moving = []
        jumps = []
        for _ in range(round(600_000 / TICK)):
            was = plant.true_mmhg[i]
            plant.step(TICK, 0, cmd(4), cmd(4))
            moving.append(plant.moving)
            jumps.append(abs(plant.true_mmhg[i] - was) > 0.5)  # creep and drift move far slower
        assert any(moving) is expect
        # Every sudden change is a movement (or the step it ends in).
        assert all(m or (k and moving[k - 1]) for k, (m, j) in enumerate(zip(moving, jumps)) if j)
        assert sum(moving) * TICK <= 15 * pr.move_ms  # a fraction of a second, now and then
        assert abs(plant.true_mmhg[i] - base) < 10


def _pulsation(duty, manifold_sensor=True, seconds=2.0):
    """Readings (mmHg) with the pump's pulsation less those without it, feeding chamber 0."""
    base = replace(preset("small-leg"), sensor_noise_mmhg=0.0, sensor_offset_mmhg=0.0)
    out = []
    for hz in (60.0, 0.0):
        plant = Plant(4, replace(base, pump_rate_hz=hz), vent_valves=False, exhaust_valve=True,
                      manifold_sensor=manifold_sensor)
        r = [0] * plant.sensors
        got = []
        for _ in range(round(seconds * 1000 / TICK)):
            plant.step(TICK, duty, cmd(4, 0), cmd(4))
            plant.read_sensors(r)
            got.append(r[0] / 10)
        out.append(got)
    return [a - b for a, b in zip(*out)]


def _peak_hz(xs, rate_hz=40.0):
    """The strongest frequency in xs (a plain DFT, 0.5 Hz bins up to the Nyquist frequency)."""
    n = len(xs)
    best = (0.0, 0.0)
    for k in range(1, n // 2 + 1):
        re = sum(x * math.cos(2 * math.pi * k * j / n) for j, x in enumerate(xs))
        im = sum(x * math.sin(2 * math.pi * k * j / n) for j, x in enumerate(xs))
        best = max(best, (re * re + im * im, k * rate_hz / n))
    return best[1]


def test_pump_pulsation_aliases_at_the_sensors_40_hz():
    # 60 Hz at full duty; at 90 % the diaphragm strokes at 54 Hz, which 40 Hz sampling reads as
    # 14 Hz; at 2/3 duty it strokes at 40 Hz and the HX710B's averaging over its 25 ms period
    # takes it out. A chamber behind its inlet sees almost none of what the manifold sees.
    ripple = _pulsation(90)
    rms = math.sqrt(sum(x * x for x in ripple) / len(ripple))
    assert 0.3 < rms < 5.0, rms
    assert _peak_hz(ripple) == pytest.approx(14.0, abs=0.5)
    still = _pulsation(200 / 3)
    assert max(abs(x) for x in still) <= 0.1
    chamber = _pulsation(90, manifold_sensor=False)
    assert math.sqrt(sum(x * x for x in chamber) / len(chamber)) < 0.1 * rms
    plant = Plant(4, replace(preset("small-leg"), pump_rate_hz=60.0), vent_valves=False, exhaust_valve=True)
    ms = []
    for _ in range(40):
        plant.step(TICK, 90, cmd(4, 0), cmd(4))
        ms.append(plant.manifold_mmhg)
    assert all(b >= a for a, b in pairwise(ms))  # the true pressures stay the mean flow's


def test_held_air_drifts_slowly_towards_the_bladders_temperature():
    # Air comes in 1 K warm and settles to the bladder's 2 K over ~30 s: a held chamber creeps
    # up by about a millimetre of mercury (Morris et al. 2002: cuff temperature drift was the
    # largest error of a commercial pump's refill detection).
    quiet = replace(LIMB_PRESETS["small-leg"], **CREEP_ONLY, creep_tau_s=0.0, coupling_mmhg=0.0)
    warm = replace(quiet, pump_air_k=1.0, air_warm_k=2.0)
    drift = []
    for pr in (quiet, warm):
        plant = Plant(4, pr)
        fill(plant, 1, 60.0)
        ps, _ = record(plant, 120.0, 1)
        drift.append([p - ps[0] for p in ps])
    d = [b - a for a, b in zip(*drift)]
    assert abs(drift[0][-1]) < 0.01  # nothing moves without it
    assert 0.5 < d[-1] < 3.0, d[-1]
    assert d[1200] == pytest.approx(d[-1] * (1 - math.exp(-30.0 / warm.air_heat_tau_s)), rel=0.25)


# -- the sensor's range, in both shells -----------------------------------------------------------

def test_a_saturated_reading_reaches_the_core_as_the_device_driver_reports_it():
    # The core shell hands the core the plant's readings; the device shell turns them into
    # 24-bit HX710B words (the fake board saturates them) for the driver. Both must agree at
    # and past the ADC's span: the plant saturates where the fake ADC does.
    import hx710b
    from pulseboot.fakeboard.world import World

    assert (SENSOR_OVER, SENSOR_UNDER) == (hx710b.OVER_RANGE, hx710b.UNDER_RANGE)
    span = round(preset("small-leg").sensor_max_mmhg * 10)

    def plant_says(x):  # what the plant reports for a reading of x dmmHg (offset included)
        return SENSOR_OVER if x > span else SENSOR_UNDER if x < -span else x

    xs = list(range(span - 3, span + 4)) + list(range(-span - 3, -span + 4)) + [1, 500, 2000, -2000]
    board = {"name": "t", "chambers": len(xs), "pump_pin": 1, "sensor_clk_pin": 5,
             "sensor_data_pins": tuple(range(10, 10 + len(xs))), "sensor_counts_per_mmhg": 107365,
             "button_pins": {"start": 20, "mode": 21, "up": 22, "down": 23}, "led_pin": 2}
    results = []
    for feed in (xs, [plant_says(x) for x in xs]):
        world = World(board)
        world.readings = list(feed)
        m = world.machine
        drv = hx710b.HX710B(m.Pin(5, m.Pin.OUT, value=0), [m.Pin(p, m.Pin.IN) for p in board["sensor_data_pins"]],
                            107365)
        world.advance(25)
        out = [0] * len(xs)
        drv.read(out)
        results.append(out)
    assert results[0] == results[1] == [plant_says(x) for x in xs]


# -- determinism and physical bounds -----------------------------------------------------------------

def _session(pr, seed, n=4):
    plant = Plant(n, pr, seed=seed)
    out = [0] * n
    log = []
    for k in range(2400):  # a minute: each chamber fills, holds, then they all vent
        i = (k // 400) % n
        phase = k % 400
        plant.step(TICK, 100 if phase < 160 else 0, cmd(n, i) if phase < 160 else cmd(n),
                   cmd(n, *range(n)) if k >= 1600 else cmd(n))
        plant.read_sensors(out)
        log.append((tuple(plant.true_mmhg), tuple(out)))
    return log


def test_the_limb_is_deterministic_for_a_seed():
    pr = LIMB_PRESETS["small-leg"]
    a = _session(pr, 5)
    assert _session(pr, 5) == a
    b = _session(pr, 6)
    assert [x[0] for x in a] != [x[0] for x in b]  # the pulse's phase and the movements are the seed's


limb_params = st.builds(
    lambda base, tau, fast, most, refill, couple, pulse, bpm, move, heat, ripple, sizes: replace(
        LIMB_PRESETS[base], creep_tau_s=tau, creep_fast=fast, limb_distal_ml=LIMB_PRESETS[base].limb_distal_ml * most,
        limb_mid_ml=LIMB_PRESETS[base].limb_mid_ml * most, limb_proximal_ml=LIMB_PRESETS[base].limb_proximal_ml * most,
        refill_s=refill, coupling_mmhg=couple, pulse_mmhg=pulse, pulse_bpm=bpm, move_per_min=move[0],
        move_mmhg=move[1], move_ms=move[2], pump_air_k=heat[0], air_warm_k=heat[1], air_heat_tau_s=heat[2],
        pump_rate_hz=ripple, size_distal=sizes[0], size_proximal=sizes[1]),
    base=st.sampled_from(BODIES), tau=st.floats(0.0, 8.0), fast=st.floats(0.0, 1.0), most=st.floats(0.0, 3.0),
    refill=st.floats(0.0, 150.0), couple=st.floats(0.0, 6.0), pulse=st.floats(0.0, 3.0), bpm=st.floats(40.0, 120.0),
    move=st.tuples(st.floats(0.0, 30.0), st.floats(0.0, 15.0), st.floats(50.0, 1000.0)),
    heat=st.tuples(st.floats(-2.0, 3.0), st.floats(-2.0, 3.0), st.floats(0.0, 120.0)),
    ripple=st.floats(0.0, 120.0), sizes=st.tuples(st.floats(0.5, 1.5), st.floats(0.5, 1.5)),
)

commands = st.lists(
    st.tuples(st.integers(1, 60), st.sampled_from([1, 5, 25, 40]), st.integers(0, 100),
              st.integers(0, 15), st.integers(0, 15), st.integers(0, 1)),
    min_size=1, max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pr=limb_params, cmds=commands, seed=st.integers(0, 2**32 - 1),
       topo=st.sampled_from([(True, False, False), (False, True, False), (False, True, True)]))
def test_any_limb_and_commands_stay_physical(pr, cmds, seed, topo):
    plant = Plant(4, pr, seed=seed, vent_valves=topo[0], exhaust_valve=topo[1], manifold_sensor=topo[2])
    # A chamber shut in at the pump's stall pressure can still be squeezed by the limb: by its
    # pulse, movements and neighbours (stated at REF; more mmHg in a stiffer chamber) and warmth.
    bound = pr.pump_stall_mmhg * 1.05 + 6.0 * (pr.pulse_mmhg + pr.move_mmhg + 2 * pr.coupling_mmhg) + 15.0
    out = [0] * plant.sensors
    for steps, dt, duty, inl, vnt, ex in cmds:
        inlet = [(inl >> i) & 1 for i in range(4)]
        vent = [(vnt >> i) & 1 for i in range(4)]
        for _ in range(steps):
            plant.step(dt, duty, inlet, vent, ex)
            for p in [*plant.true_mmhg, plant.manifold_mmhg]:
                assert math.isfinite(p) and 0.0 <= p <= bound
            assert all(math.isfinite(d) and d >= -1e-9 for d in plant.displaced_ml)
            plant.read_sensors(out)
            for v in out:
                assert type(v) is int and (v in (SENSOR_DEAD, SENSOR_OVER, SENSOR_UNDER) or -1000 <= v <= 1000)
