import faults
import limits
from limiter import Limiter, force_safe
from support import FILL, HOLD, VENT

N = 3


def check(lim, pressure, peak=None, mode=None, reached=None, pump=0, vent=None, stale=None, dt=25, inlet=None):
    return lim.check(dt, pressure, pressure, stale or [0] * N, peak or [450] * N, mode or [HOLD] * N,
                     reached or [1] * N, pump, inlet or [0] * N, vent or [0] * N)


def test_quiet_when_inside_limits():
    lim = Limiter(N, 2000)
    assert check(lim, [400, 300, 0]) == faults.NONE


def test_trip_above_target_plus_margin_latches():
    lim = Limiter(N, 2000)
    assert check(lim, [450 + limits.TRIP_MARGIN_DMMHG, 0, 0]) == faults.NONE
    assert check(lim, [451 + limits.TRIP_MARGIN_DMMHG, 0, 0]) == faults.OVERPRESSURE
    assert lim.fault_chamber == 0
    assert check(lim, [0, 0, 0]) == faults.OVERPRESSURE  # latched
    lim.clear()
    assert check(lim, [0, 0, 0]) == faults.NONE


def test_venting_chamber_is_left_to_ceiling_and_vent_timeout():
    lim = Limiter(N, 2000)
    assert check(lim, [900, 0, 0], peak=[300] * N, mode=[VENT] * N, vent=[1] * N) == faults.NONE
    assert check(lim, [2001, 0, 0], peak=[300] * N, mode=[VENT] * N, vent=[1] * N) == faults.HARD_LIMIT


def test_hard_limit_from_table_caps_the_board():
    assert Limiter(N, 9999).hard_limit == limits.HARD_LIMIT_DMMHG
    lim = Limiter(N, 1000)
    big = [5000] * N
    assert check(lim, [1001, 0, 0], peak=big) == faults.HARD_LIMIT


def test_sensor_out_of_range_or_stale():
    assert check(Limiter(N, 2000), [limits.SENSOR_MIN_DMMHG - 1, 0, 0]) == faults.SENSOR
    assert check(Limiter(N, 2000), [0, 0, 0], stale=[0, limits.SENSOR_STALE_MS + 1, 0]) == faults.SENSOR


def test_pump_may_not_run_forever():
    lim = Limiter(N, 2000)
    code = faults.NONE
    for _ in range(limits.PUMP_MAX_ON_MS // 25 + 2):
        code = check(lim, [100, 0, 0], pump=60)
    assert code == faults.PUMP_RUN


def test_fill_timeout_when_target_never_reached():
    lim = Limiter(N, 2000)
    lim.fill_timeout_ms = 2000
    code = faults.NONE
    for _ in range(2000 // 25 + 2):
        code = check(lim, [10, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N)
    assert code == faults.FILL_TIMEOUT


def test_vent_timeout_when_pressure_stays_up():
    lim = Limiter(N, 2000)
    code = faults.NONE
    for _ in range(limits.VENT_TIMEOUT_MS // 25 + 2):
        code = check(lim, [0, 200, 0], mode=[VENT] * N, vent=[1] * N)
    assert code == faults.VENT_TIMEOUT and lim.fault_chamber == 1


def test_force_safe_opens_every_vent_and_closes_every_inlet():
    inlet = [1, 1, 0]
    vent = [0, 0, 1]
    force_safe(inlet, vent)
    assert inlet == [0] * 3 and vent == [1] * 3


def test_held_chamber_losing_pressure_is_a_leak():
    lim = Limiter(N, 2000)
    code = faults.NONE
    p = 450
    for k in range(3 * limits.LEAK_WINDOW_MS // 25):
        p = 450 - k // 2  # 2 mmHg per second
        code = check(lim, [p, 400, 350])
        if code:
            break
    assert code == faults.LEAK and lim.fault_chamber == 0


def test_noisy_but_tight_chamber_is_not_a_leak():
    lim = Limiter(N, 2000)
    for k in range(10 * limits.LEAK_WINDOW_MS // 25):
        noise = (k * 7919) % 17 - 8  # +-0.8 mmHg
        assert check(lim, [450 + noise, 400 - noise, 350]) == faults.NONE



def test_fed_chamber_whose_reading_never_rises_trips_no_rise():
    lim = Limiter(N, 2000)
    for _ in range(80):  # the reading has been 12 mmHg for a while (its filter has settled)
        assert check(lim, [120, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N) == faults.NONE
    code = faults.NONE
    for _ in range(limits.NO_RISE_MS // 25 + 3):  # a stuck sensor: the same value every tick
        code = check(lim, [120, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N, pump=100, inlet=[1, 0, 0])
    assert code == faults.NO_RISE and lim.fault_chamber == 0


def test_a_rising_reading_and_far_apart_top_ups_are_fine():
    lim = Limiter(N, 2000)
    p = 100
    for _ in range(4 * limits.NO_RISE_MS // 25):  # 0.2 mmHg per tick of feeding
        p += 2
        assert check(lim, [p, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N, pump=100, inlet=[1, 0, 0]) == 0
    lim = Limiter(N, 2000)
    for _ in range(6):  # short top-ups that barely move the reading, far apart
        for _ in range(8):
            assert check(lim, [400, 0, 0], pump=50, inlet=[1, 0, 0]) == faults.NONE
        for _ in range(limits.NO_RISE_MS // 25 + 2):
            assert check(lim, [400, 0, 0]) == faults.NONE


def test_shared_exhaust_gets_vent_time_per_chamber():
    lim = Limiter(N, 2000, 1, True)
    assert lim.vent_timeout_ms == limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * N
    code = faults.NONE
    ticks = 0
    while code == faults.NONE and ticks < 10000:
        code = lim.check(25, [200, 0, 0], [0], [0], [450] * N, [VENT] * N, [0] * N, 0, [0] * N, [1] * N)
        ticks += 1
    assert code == faults.VENT_TIMEOUT and ticks * 25 > lim.vent_timeout_ms
