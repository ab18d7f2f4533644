"""The simulated pneumatic plant: physical outcomes, determinism, sensor model, faults."""

import math
from array import array
from dataclasses import FrozenInstanceError, fields, replace
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulseboot.plant import (
    DEFAULT_PRESET,
    FAULTS,
    PRESETS,
    SENSOR_DEAD,
    SENSOR_OVER,
    SENSOR_UNDER,
    Plant,
    PlantParams,
    limb,
    preset,
)

TICK = 25  # ms, the firmware's control tick
N = 4  # chambers in most tests
# The leg presets: the pneumatics tests below hold a chamber and expect it to stay put (their limb
# is the instant spring) and time a leg-sized fill and vent. test_limb.py covers arm and bench.
BOTH = ["large-leg", "small-leg"]


def cmd(n, *open_):
    return [1 if i in open_ else 0 for i in range(n)]


def run(plant, seconds, duty, inlet, vent, exhaust=0, dt=TICK):
    for _ in range(round(seconds * 1000 / dt)):
        plant.step(dt, duty, inlet, vent, exhaust)


def time_until(plant, cond, duty, inlet, vent, exhaust=0, limit_s=60.0):
    """Seconds of virtual time until cond(plant) holds, stepping at TICK; None if it never does."""
    t = 0
    while not cond(plant):
        if t >= limit_s * 1000:
            return None
        plant.step(TICK, duty, inlet, vent, exhaust)
        t += TICK
    return t / 1000


def fill_time(plant, i=0, target=60.0, duty=100, limit_s=60.0):
    n = plant.chambers
    return time_until(plant, lambda p: p.true_mmhg[i] >= target, duty, cmd(n, i), cmd(n), limit_s=limit_s)


def filled(params, n=N, target=60.0, **kw):
    """A plant with chamber 0 filled to target and then shut in (inlet closed, pump off)."""
    plant = Plant(n, params, **kw)
    assert fill_time(plant, 0, target) is not None
    run(plant, 0.05, 0, cmd(n), cmd(n))  # let the inlet close
    return plant


# -- presets ---------------------------------------------------------------------------------

def test_presets_are_complete_and_named():
    assert DEFAULT_PRESET in PRESETS
    assert set(PRESETS) == {"small-leg", "large-leg", "arm", "bench"}
    assert not any(limb.enabled(PRESETS[name]) for name in BOTH)
    for name in PRESETS:
        pr = preset(name)
        assert pr is PRESETS[name]
        for f in fields(PlantParams):
            v = getattr(pr, f.name)
            assert isinstance(v, (int, float)) and math.isfinite(v), f.name
        assert 0.3 <= pr.valve_b <= 0.5
        assert pr.sensor_min_mmhg < 0 < pr.sensor_max_mmhg
    with pytest.raises(KeyError) as e:
        preset("medium-leg")
    assert "small-leg" in str(e.value) and "large-leg" in str(e.value)


def test_params_are_frozen():
    with pytest.raises(FrozenInstanceError):
        PRESETS["small-leg"].leak_c = 0.0


# -- sanity targets ------------------------------------------------------------------------

@pytest.mark.parametrize("name", BOTH)
def test_fill_to_60_takes_seconds(name):
    t = fill_time(Plant(N, preset(name)))
    assert t is not None and 2.0 <= t <= 15.0, t


def test_large_leg_fills_slower_than_small_leg():
    small = fill_time(Plant(N, preset("small-leg")))
    large = fill_time(Plant(N, preset("large-leg")))
    assert 3.0 <= small <= 5.0 and 6.0 <= large <= 9.0 and large > small


@pytest.mark.parametrize("name", BOTH)
def test_vent_60_to_5_takes_about_a_second_or_more(name):
    plant = filled(preset(name))
    t = time_until(plant, lambda p: p.true_mmhg[0] <= 5.0, 0, cmd(N), cmd(N, 0))
    assert t is not None and 1.0 <= t <= 4.0, t
    run(plant, 10, 0, cmd(N), cmd(N, 0))
    assert plant.true_mmhg[0] == 0.0  # reaches atmosphere, and stays there


# -- holding and leaks -----------------------------------------------------------------------

@pytest.mark.parametrize("name", BOTH)
def test_isolated_chamber_drops_only_by_its_leak(name):
    plant = filled(preset(name))
    p0 = plant.true_mmhg[0]
    run(plant, 60, 0, cmd(N), cmd(N))
    drop = p0 - plant.true_mmhg[0]
    assert 0.1 < drop < 5.0, drop  # a small leak: a few mmHg a minute at most
    assert plant.true_mmhg[1:] == [0.0] * (N - 1)


@pytest.mark.parametrize("name", BOTH)
def test_leak_free_chamber_holds_exactly(name):
    plant = filled(replace(preset(name), leak_c=0.0, manifold_leak_c=0.0))
    p0 = plant.true_mmhg[0]
    run(plant, 120, 0, cmd(N), cmd(N))
    assert plant.true_mmhg[0] == p0


def test_bigger_leak_drops_faster():
    base = preset("small-leg")
    drops = []
    for leak in (base.leak_c, base.leak_c * 10):
        plant = filled(replace(base, leak_c=leak))
        p0 = plant.true_mmhg[0]
        run(plant, 30, 0, cmd(N), cmd(N))
        drops.append(p0 - plant.true_mmhg[0])
    assert drops[1] > 5 * drops[0] > 0


# -- pump and chamber size -----------------------------------------------------------------

@pytest.mark.parametrize("name", BOTH)
def test_higher_duty_fills_faster(name):
    times = [fill_time(Plant(N, preset(name)), duty=d, limit_s=120) for d in (40, 70, 100)]
    assert None not in times
    assert times[0] > times[1] > times[2]
    assert fill_time(Plant(N, preset(name)), duty=0, limit_s=5) is None


@pytest.mark.parametrize("name", BOTH)
def test_larger_chamber_fills_slower(name):
    pr = preset(name)
    big = replace(pr, chamber_unfold_l=pr.chamber_unfold_l * 1.5, tissue_l_per_mmhg=pr.tissue_l_per_mmhg * 1.5)
    assert fill_time(Plant(N, big)) > fill_time(Plant(N, pr)) * 1.2


@pytest.mark.parametrize("name", BOTH)
def test_pressure_bounded_by_stall(name):
    pr = preset(name)
    plant = Plant(N, pr)
    run(plant, 2, 100, cmd(N), cmd(N))  # dead-headed: the manifold goes to stall, not past it
    assert 0.95 * pr.pump_stall_mmhg < plant.manifold_mmhg <= pr.pump_stall_mmhg
    run(plant, 60, 100, cmd(N, 0, 1), cmd(N))
    for p in plant.true_mmhg[:2]:
        assert 0.7 * pr.pump_stall_mmhg < p <= pr.pump_stall_mmhg
    p0 = plant.true_mmhg[0]
    run(plant, 5, 0, cmd(N, 0), cmd(N))  # pump off: no back-flow through it
    assert 0.0 < p0 - plant.true_mmhg[0] < 2.0


def test_manifold_settles_without_oscillating():
    plant = Plant(N, replace(preset("small-leg"), leak_c=0.0, manifold_leak_c=0.0))
    run(plant, 2, 100, cmd(N), cmd(N))
    trace = []
    for _ in range(40):  # a charged manifold dumps into an empty chamber
        plant.step(TICK, 0, cmd(N, 0), cmd(N))
        trace.append((plant.manifold_mmhg, plant.true_mmhg[0]))
    for (m0, c0), (m1, c1) in pairwise(trace):
        assert m1 <= m0 + 1e-9 and c1 >= c0 - 1e-9
        assert m1 >= c1 - 1e-9


# -- valves --------------------------------------------------------------------------------

def test_valve_switching_delay_and_actual_positions():
    pr = replace(preset("small-leg"), valve_delay_ms=15.0)
    plant = Plant(N, pr)
    plant.step(10, 100, cmd(N, 0), cmd(N))
    assert plant.inlet_open == [0] * N and plant.true_mmhg[0] == 0.0
    plant.step(10, 100, cmd(N, 0), cmd(N))
    assert plant.inlet_open == cmd(N, 0) and plant.true_mmhg[0] > 0.0
    plant.step(10, 100, cmd(N), cmd(N, 0))
    assert plant.inlet_open == cmd(N, 0) and plant.vent_open == [0] * N
    plant.step(10, 100, cmd(N), cmd(N, 0))
    assert plant.inlet_open == [0] * N and plant.vent_open == cmd(N, 0)
    plant = Plant(N, pr)
    plant.step(5, 100, cmd(N, 0), cmd(N))  # a pulse shorter than the delay never opens it
    plant.step(25, 100, cmd(N), cmd(N))
    assert plant.inlet_open == [0] * N and plant.true_mmhg[0] == 0.0


def _first_step_at(plant, position, steps, dt, duty, inlet, vent, exhaust=0):
    """Step until position(plant) is 1; the number of steps it took (None: never)."""
    for k in range(1, steps + 1):
        plant.step(dt, duty, inlet, vent, exhaust)
        if position(plant):
            return k
    return None


@pytest.mark.parametrize("delay,dt", [(25, 25), (50, 25), (75, 25), (15, 5), (25, 5), (10, 1), (3, 1),
                                      (15, 25), (30, 25), (7, 5), (0, 25)])
def test_every_valve_switches_after_its_delay_whatever_the_step(delay, dt):
    # A delay that ends exactly with a step (valve_delay_ms = 25 at the 25 ms tick, or 15 in
    # 5 ms steps) once zeroed the time left without switching, and the valve never moved.
    pr = replace(preset("small-leg"), valve_delay_ms=float(delay))
    due = max(1, math.ceil(delay / dt))  # the step in which the delay runs out
    steps = due + 40
    # Inlet bank: the chamber fills from the step the inlet opens.
    plant = Plant(N, pr)
    assert _first_step_at(plant, lambda p: p.inlet_open[0], steps, dt, 100, cmd(N, 0), cmd(N)) == due
    run(plant, 2.0, 100, cmd(N, 0), cmd(N), dt=dt)
    assert plant.true_mmhg[0] > 10.0
    # ... and it shuts again after the delay.
    assert _first_step_at(plant, lambda p: not p.inlet_open[0], steps, dt, 0, cmd(N), cmd(N)) == due
    # Vent bank: a filled chamber empties once its vent opens.
    plant = filled(pr)
    p0 = plant.true_mmhg[0]
    assert _first_step_at(plant, lambda p: p.vent_open[0], steps, dt, 0, cmd(N), cmd(N, 0)) == due
    run(plant, 2.0, 0, cmd(N), cmd(N, 0), dt=dt)
    assert plant.true_mmhg[0] < p0 / 2
    # The shared exhaust: the manifold empties once it opens.
    plant = Plant(N, pr, vent_valves=False, exhaust_valve=True)
    run(plant, 1.0, 100, cmd(N), cmd(N), dt=dt)
    m0 = plant.manifold_mmhg
    assert _first_step_at(plant, lambda p: p.exhaust_open, steps, dt, 0, cmd(N), cmd(N), exhaust=1) == due
    run(plant, 1.0, 0, cmd(N), cmd(N), exhaust=1, dt=dt)
    assert m0 > 100.0 and plant.manifold_mmhg < 5.0


def test_switching_step_counts_the_open_part_only():
    # A 15 ms delay in a 25 ms step: open for the last 10 ms of it, fully from the next.
    a = Plant(N, replace(preset("small-leg"), valve_delay_ms=15.0))
    b = Plant(N, replace(preset("small-leg"), valve_delay_ms=25.0))  # opens exactly at the step's end
    for plant in (a, b):
        plant.step(TICK, 100, cmd(N), cmd(N))  # charge the manifold a little
        plant.step(TICK, 100, cmd(N, 0), cmd(N))
    assert a.inlet_open[0] == b.inlet_open[0] == 1
    assert a.true_mmhg[0] > 0.0 and b.true_mmhg[0] == 0.0  # b's inlet was shut all of that step
    a.step(TICK, 100, cmd(N, 0), cmd(N))
    b.step(TICK, 100, cmd(N, 0), cmd(N))
    assert b.true_mmhg[0] > 0.0


@pytest.mark.parametrize("delay", [25.0, 50.0])
@pytest.mark.parametrize("board", ["esp32-devkitc-4ch", "esp32-devkitc-4ch-manifold"])
def test_firmware_fills_with_valves_as_slow_as_a_whole_tick(delay, board):
    # This was NO_RISE at 3.5 s: the commanded inlet never opened.
    from pulseboot import fw
    from pulseboot.run import simulate
    summary = simulate(program="gradient", board_def=fw.load_board(board), duration_s=60, shell="core",
                       params=replace(preset("small-leg"), valve_delay_ms=delay))
    assert summary["faults"] == []


def test_valve_delay_costs_flow_in_the_switching_step():
    quick = Plant(N, replace(preset("small-leg"), valve_delay_ms=0.0))
    slow = Plant(N, replace(preset("small-leg"), valve_delay_ms=20.0))
    for plant in (quick, slow):
        plant.step(TICK, 0, cmd(N), cmd(N))
        plant.step(TICK, 100, cmd(N, 0), cmd(N))
    assert 0.0 < slow.true_mmhg[0] < quick.true_mmhg[0]


def test_accepts_bools_tuples_and_bytearrays():
    a, b = Plant(N, preset("small-leg")), Plant(N, preset("small-leg"))
    for _ in range(40):
        a.step(TICK, 100, [1, 0, 0, 0], [0, 0, 0, 1])
        b.step(TICK, 100, (True, False, False, False), bytearray([0, 0, 0, 1]))
    assert a.true_mmhg == b.true_mmhg


@pytest.mark.parametrize("name", BOTH)
def test_shared_exhaust_vents_through_inlet(name):
    plant = filled(preset(name), vent_valves=False, exhaust_valve=True)
    p0 = plant.true_mmhg[0]
    run(plant, 2, 0, cmd(N), cmd(N, 0, 1, 2, 3))  # no vent valves: vent commands do nothing
    assert plant.vent_open == [0] * N and plant.true_mmhg[0] > p0 - 1.0
    run(plant, 2, 0, cmd(N, 0), cmd(N))  # inlet alone only shares with the manifold
    assert plant.true_mmhg[0] > 50.0
    t = time_until(plant, lambda p: p.true_mmhg[0] <= 5.0, 0, cmd(N, 0), cmd(N), exhaust=1)
    assert plant.exhaust_open == 1
    assert t is not None and 1.0 <= t <= 15.0, t
    assert plant.manifold_mmhg < 5.0


# -- sensors -------------------------------------------------------------------------------

def quiet(pr, **kw):
    return replace(pr, **{"sensor_noise_mmhg": 0.0, "sensor_offset_mmhg": 0.0, **kw})


def readings(plant):
    out = [0] * plant.chambers
    plant.read_sensors(out)
    return out


def test_sensor_reads_ints_with_offset_and_noise():
    pr = preset("small-leg")
    plant = Plant(8, pr, seed=3)
    seen = [readings(plant)]
    for _ in range(200):
        plant.step(TICK, 0, cmd(8), cmd(8))
        seen.append(readings(plant))
    for r in seen:
        assert all(type(v) is int for v in r)
    zero = [sum(col) / len(col) for col in zip(*seen)]  # at atmosphere: offset only, on average
    assert all(abs(z) <= pr.sensor_offset_mmhg * 10 + 2 for z in zero)
    assert len({round(z) for z in zero}) > 4  # offsets differ per chamber
    sd = [math.sqrt(sum((v - m) ** 2 for v in col) / len(col)) for col, m in zip(zip(*seen), zero)]
    assert all(0.5 * pr.sensor_noise_mmhg * 10 < s < 2 * pr.sensor_noise_mmhg * 10 for s in sd)


def test_sensor_quantisation_and_saturation():
    pr = quiet(preset("small-leg"), sensor_quantum_dmmhg=5, sensor_noise_mmhg=2.0,
               chamber_min_l=0.005, chamber_unfold_l=0.01, tissue_l_per_mmhg=0.00001)
    plant = Plant(N, pr, seed=1)
    seen = []
    for _ in range(400):
        plant.step(TICK, 100, cmd(N, 0), cmd(N))
        r = readings(plant)
        assert all(type(v) is int for v in r)
        lo, hi = pr.sensor_min_mmhg * 10, pr.sensor_max_mmhg * 10
        for v in r:
            assert v in (SENSOR_OVER, SENSOR_UNDER) or (v % 5 == 0 and lo <= v <= hi)
        seen.append((plant.true_mmhg[0], r[0]))
    assert plant.true_mmhg[0] > pr.sensor_max_mmhg + 50  # the chamber is past the ADC's span ...
    assert seen[-1][1] == SENSOR_OVER  # ... and the reading says so, never a pressure
    below = [r for p, r in seen if p < pr.sensor_max_mmhg - 10]
    assert below and SENSOR_OVER not in below and max(below) <= pr.sensor_max_mmhg * 10
    assert 700 <= max(r for _, r in seen if r != SENSOR_OVER) <= 780  # 780: the last quantum below the span


def test_sensor_span_is_the_hx710b_one_and_a_board_may_set_its_own():
    from pulseboot import fw  # noqa: F401
    import topology  # firmware/lib: the span the firmware works with (from counts_per_mmhg)
    span = topology.sensor_span_dmmhg({"sensor": "hx710b"}, 1 << 30)
    for name in PRESETS:
        assert preset(name).sensor_max_mmhg * 10 == span == -preset(name).sensor_min_mmhg * 10
    pr = quiet(preset("small-leg"), sensor_offset_mmhg=0.0)
    plant = Plant(N, pr, sensor_span_dmmhg=400)  # a module at twice the nominal scale
    run(plant, 8, 100, cmd(N, 0), cmd(N))
    assert plant.true_mmhg[0] > 45.0 and readings(plant)[0] == SENSOR_OVER


def test_sensor_lags_a_fast_rise_and_holds_between_samples():
    pr = quiet(preset("small-leg"), chamber_min_l=0.005, chamber_unfold_l=0.01, tissue_l_per_mmhg=0.00001)
    plant = Plant(N, replace(pr, valve_delay_ms=0.0))
    run(plant, 2, 100, cmd(N), cmd(N))  # charge the manifold, then dump it into a small chamber
    lags = []
    values = []
    for _k in range(20):
        plant.step(5, 0, cmd(N, 0), cmd(N))
        r = readings(plant)[0]
        values.append(r)
        lags.append(plant.true_mmhg[0] * 10 - r)
    assert plant.true_mmhg[0] > 15.0
    assert max(lags) > 30  # trails the rise by several mmHg
    # 40 Hz output: with 5 ms steps, a new value only every fifth step
    changes = [k for k in range(1, 20) if values[k] != values[k - 1]]
    assert changes and all(b - a >= 5 for a, b in pairwise(changes))
    run(plant, 0.3, 0, cmd(N), cmd(N))
    assert abs(readings(plant)[0] - plant.true_mmhg[0] * 10) <= 1  # ... and catches up


def test_read_sensors_fills_arrays_too():
    plant = Plant(N, preset("small-leg"), seed=2)
    out = array("h", [0] * N)
    plant.read_sensors(out)
    assert list(out) == readings(plant)


# -- determinism ---------------------------------------------------------------------------

def session(seed, params=None, n=6):
    plant = Plant(n, params or preset("small-leg"), seed=seed)
    log = []
    for k in range(600):
        i = (k // 100) % n
        plant.step(TICK, 100 if k % 100 < 70 else 0, cmd(n, i), cmd(n, (i + 3) % n))
        log.append(tuple(readings(plant)))
    return log, list(plant.true_mmhg)


def test_same_seed_same_readings_different_seed_different_noise():
    a, pa = session(7)
    b, pb = session(7)
    c, pc = session(8)
    assert a == b and pa == pb
    assert a != c
    assert pa == pc  # the seed is the sensors' only random input: the physics is identical


def test_time_is_only_the_dt_passed_in():
    plant = Plant(N, preset("small-leg"))
    run(plant, 1.5, 0, cmd(N), cmd(N))
    assert plant.time_ms == 1500
    with pytest.raises(ValueError):
        plant.step(-1, 0, cmd(N), cmd(N))


# -- faults --------------------------------------------------------------------------------

def test_fault_names():
    assert set(FAULTS) == {"leak", "hose-off", "kink", "stuck-vent", "stuck-inlet", "dead-sensor", "stuck-sensor",
                           "pump-weak", "detached-sensor", "low-sensor", "drifting-sensor", "noisy-sensor",
                           "stuck-inlet-closed", "stuck-vent-open", "dead-pump", "stuck-pump"}
    plant = Plant(N, preset("small-leg"))
    with pytest.raises(ValueError) as e:
        plant.inject("burst")
    assert all(f in str(e.value) for f in FAULTS)
    with pytest.raises(ValueError):
        plant.inject("leak", N)


@pytest.mark.parametrize("name", BOTH)
def test_fault_leak(name):
    plant = filled(preset(name))
    healthy = filled(preset(name))
    plant.inject("leak", 0)
    plant.inject("leak", 0)  # idempotent
    p0 = plant.true_mmhg[0]
    run(plant, 2, 0, cmd(N), cmd(N))
    run(healthy, 2, 0, cmd(N), cmd(N))
    assert p0 - plant.true_mmhg[0] > 4.0  # several mmHg a second ...
    assert p0 - healthy.true_mmhg[0] < 0.2  # ... against a fraction of one a minute


def test_fault_hose_off():
    plant = filled(preset("small-leg"))
    plant.inject("hose-off", 0)
    assert plant.true_mmhg[0] == 0.0
    run(plant, 5, 100, cmd(N, 0), cmd(N))
    assert plant.true_mmhg[0] == 0.0
    assert plant.manifold_mmhg < 40.0  # the pump blows out of the loose hose
    run(plant, 5, 100, cmd(N, 1), cmd(N))  # the other chambers still work
    assert plant.true_mmhg[1] > 60.0


def test_fault_kink():
    pr = preset("small-leg")
    plant = Plant(N, pr)
    plant.inject("kink", 0)
    run(plant, 8, 100, cmd(N, 0), cmd(N))
    assert plant.true_mmhg[0] < 30.0  # a healthy chamber is past 60 by now
    assert plant.manifold_mmhg > 0.8 * pr.pump_stall_mmhg  # the pump works against the kink


def test_fault_stuck_vent():
    plant = filled(preset("small-leg"))
    plant.inject("stuck-vent", 0)
    run(plant, 5, 0, cmd(N), cmd(N, 0, 1))
    assert plant.vent_open == cmd(N, 1)
    assert plant.true_mmhg[0] > 55.0


def test_fault_stuck_inlet():
    plant = Plant(N, preset("small-leg"))
    plant.inject("stuck-inlet", 2)
    run(plant, 8, 100, cmd(N, 0), cmd(N))
    assert plant.inlet_open == cmd(N, 0, 2)
    assert plant.true_mmhg[2] > 20.0  # inflates without being asked to
    run(plant, 5, 0, cmd(N), cmd(N, 0, 1, 2, 3))  # venting still works through its vent valve
    assert plant.true_mmhg[2] < 5.0


def test_fault_dead_sensor():
    plant = Plant(N, preset("small-leg"))
    plant.inject("dead-sensor", 1)
    for _ in range(20):
        plant.step(TICK, 100, cmd(N, 1), cmd(N))
        r = readings(plant)
        assert r[1] == SENSOR_DEAD and SENSOR_DEAD not in r[:1] + r[2:]


@pytest.mark.parametrize("name", BOTH)
def test_fault_pump_weak(name):
    healthy = fill_time(Plant(N, preset(name)))
    weak = Plant(N, preset(name))
    weak.inject("pump-weak")
    slow = fill_time(weak, limit_s=60)
    assert slow is not None and slow > 2.5 * healthy


# -- property: any parameters, any commands ---------------------------------------------------

_base = preset("small-leg")

params_st = st.builds(
    lambda unfold, knee, tissue, leak, q0, stall, noise, delay, b: replace(
        _base, chamber_unfold_l=unfold, knee_mmhg=knee, tissue_l_per_mmhg=tissue, leak_c=leak,
        pump_free_lpm=q0, pump_stall_mmhg=stall, sensor_noise_mmhg=noise, valve_delay_ms=delay,
        valve_b=b),
    unfold=st.floats(0.0, 1.5), knee=st.floats(2.0, 60.0), tissue=st.floats(0.0, 0.005),
    leak=st.floats(0.0, 0.05), q0=st.floats(0.2, 12.0), stall=st.floats(50.0, 900.0),
    noise=st.floats(0.0, 5.0), delay=st.floats(0.0, 60.0), b=st.floats(0.1, 0.6),
)

commands_st = st.lists(
    st.tuples(st.integers(1, 40), st.sampled_from([5, 10, 25, 40]), st.integers(0, 100),
              st.integers(0, 15), st.integers(0, 15), st.integers(0, 1)),
    min_size=1, max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pr=params_st, cmds=commands_st, seed=st.integers(0, 2**32 - 1),
       topo=st.sampled_from([(True, False), (False, True), (True, True)]),
       faults=st.lists(st.sampled_from(FAULTS), max_size=2))
def test_random_params_and_commands_stay_physical(pr, cmds, seed, topo, faults):
    plant = Plant(4, pr, seed=seed, vent_valves=topo[0], exhaust_valve=topo[1])
    for f in faults:
        plant.inject(f, seed % 4)
    stall = pr.pump_stall_mmhg
    lo, hi = pr.sensor_min_mmhg * 10, pr.sensor_max_mmhg * 10
    out = [0] * 4
    for steps, dt, duty, inl, vnt, ex in cmds:
        inlet = [(inl >> i) & 1 for i in range(4)]
        vent = [(vnt >> i) & 1 for i in range(4)]
        for _ in range(steps):
            plant.step(dt, duty, inlet, vent, ex)
            for p in [*plant.true_mmhg, plant.manifold_mmhg]:
                assert math.isfinite(p) and 0.0 <= p <= stall * (1 + 1e-9)
            assert all(v in (0, 1) for v in plant.inlet_open + plant.vent_open)
            plant.read_sensors(out)
            for v in out:
                assert type(v) is int and (v in (SENSOR_DEAD, SENSOR_OVER, SENSOR_UNDER) or lo <= v <= hi)


def test_stuck_sensor_freezes_its_reading_while_the_chamber_fills():
    plant = Plant(N, preset("small-leg"), seed=4)
    inlet = cmd(N, 0)
    run(plant, 1.0, 100, inlet, [0] * N)
    frozen = readings(plant)[0]
    plant.inject("stuck-sensor", 0)
    run(plant, 2.0, 100, inlet, [0] * N)
    assert readings(plant)[0] == frozen  # not even noise moves it
    assert plant.true_mmhg[0] > frozen / 10 + 5  # while the chamber went on filling


# -- the sensor, valve and pump faults a single-fault analysis needs ---------------------------


def _mean_reading(plant, seconds, duty=0, inlet=None, vent=None, i=0):
    """Mean of sensor i's readings over the next `seconds`, mmHg."""
    total = count = 0
    for _ in range(int(seconds * 1000 / TICK)):
        plant.step(TICK, duty, inlet or cmd(N), vent or cmd(N))
        total += readings(plant)[i]
        count += 1
    return total / count / 10


def test_detached_sensor_reads_atmosphere_with_its_noise():
    plant = filled(preset("small-leg"))
    held = _mean_reading(plant, 0.5)
    plant.inject("detached-sensor", 0)
    after = _mean_reading(plant, 2.0)
    assert held > 50.0 and abs(after - plant._off[0] / 10) < 1.0  # its own zero, not the chamber
    assert plant.true_mmhg[0] > 55.0  # the chamber still holds
    values = set()
    for _ in range(40):
        plant.step(TICK, 0, cmd(N), cmd(N))
        values.add(readings(plant)[0])
    assert len(values) > 2  # noise keeps it live-looking: nothing says "dead"


def test_detached_sensor_on_the_manifold_reads_atmosphere_too():
    plant = Plant(N, preset("small-leg"), vent_valves=False, exhaust_valve=True, manifold_sensor=True)
    plant.inject("detached-sensor", 2)
    assert abs(_mean_reading(plant, 3.0, 100, cmd(N, 0))) < 10.0
    assert plant.manifold_mmhg > 30.0


def test_low_sensor_reads_sixty_percent():
    plant = filled(preset("small-leg"))
    true = plant.true_mmhg[0]
    plant.inject("low-sensor", 0)
    assert _mean_reading(plant, 2.0) == pytest.approx(0.6 * true + plant._off[0] / 10, abs=1.0)


def test_drifting_sensor_walks_down_half_a_mmhg_a_second():
    plant = filled(preset("small-leg"))
    true_before = plant.true_mmhg[0]
    before = _mean_reading(plant, 1.0)
    plant.inject("drifting-sensor", 0)
    _mean_reading(plant, 20.0)
    after = _mean_reading(plant, 1.0)
    moved = true_before - plant.true_mmhg[0]  # the chamber's own slow leak
    assert (before - after) - moved == pytest.approx(0.5 * 21.0, abs=1.0)  # 21 s from one mean to the next


def test_noisy_sensor_scatters_by_several_mmhg():
    plant = filled(preset("small-leg"))
    quiet = [0] * 200
    noisy = [0] * 200
    for k in range(200):
        plant.step(TICK, 0, cmd(N), cmd(N))
        quiet[k] = readings(plant)[1]
    plant.inject("noisy-sensor", 1)
    for k in range(200):
        plant.step(TICK, 0, cmd(N), cmd(N))
        noisy[k] = readings(plant)[1]
    spread = lambda xs: (max(xs) - min(xs)) / 10  # noqa: E731
    assert spread(quiet) < 3.0 and spread(noisy) > 10.0


def test_stuck_inlet_closed_never_fills():
    plant = Plant(N, preset("small-leg"))
    plant.inject("stuck-inlet-closed", 1)
    run(plant, 8, 100, cmd(N, 1), cmd(N))
    assert plant.inlet_open == cmd(N) and plant.true_mmhg[1] == 0.0
    assert plant.manifold_mmhg > 100.0  # the pump dead-heads against the shut valve


def test_stuck_vent_open_never_holds():
    plant = Plant(N, preset("small-leg"))
    plant.inject("stuck-vent-open", 0)
    run(plant, 8, 100, cmd(N, 0), cmd(N))
    assert plant.vent_open == cmd(N, 0)
    healthy = filled(preset("small-leg"))
    assert plant.true_mmhg[0] < 0.7 * healthy.true_mmhg[0]  # the pump fills against an open vent


def test_stuck_exhaust_on_a_shared_exhaust_build():
    plant = Plant(N, preset("small-leg"), vent_valves=False, exhaust_valve=True)
    run(plant, 5, 100, cmd(N, 0), cmd(N), 0)
    plant.inject("stuck-vent", 3)  # whichever chamber: the one exhaust sticks shut
    run(plant, 5, 0, cmd(N, 0), cmd(N), 1)
    assert plant.exhaust_open == 0 and plant.true_mmhg[0] > 40.0


def test_dead_pump_delivers_nothing_and_a_stuck_pump_runs_at_full():
    dead = Plant(N, preset("small-leg"))
    dead.inject("dead-pump", 2)
    run(dead, 5, 100, cmd(N, 0), cmd(N))
    assert dead.true_mmhg[0] == 0.0 and dead.manifold_mmhg == 0.0
    stuck = Plant(N, preset("small-leg"))
    stuck.inject("stuck-pump")
    run(stuck, 8, 0, cmd(N, 0), cmd(N))  # told 0 %
    assert stuck.true_mmhg[0] > 60.0
    assert stuck.faults == [("stuck-pump", None)]
