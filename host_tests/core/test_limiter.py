import micropython

import faults
import limits
from limiter import Limiter
from scheduler import FILL, HOLD, VENT

N = 3


class Rig:
    """A Limiter on lists the test writes into before each check, as the core does."""

    def __init__(self, hard_limit=2000, chambers=N, sensors=0, shared_exhaust=False):
        self.pressure = [0] * chambers
        # One list for pressure and readings when each chamber has a sensor (as in the core).
        self.sensed = [0] * sensors if sensors else self.pressure
        self.stale = [0] * len(self.sensed)
        self.peak = [0] * chambers
        self.mode = [0] * chambers
        self.reached = [0] * chambers
        self.inlet = [0] * chambers
        self.vent = [0] * chambers
        self.lim = Limiter(hard_limit, self.pressure, self.sensed, self.stale, self.peak, self.mode, self.reached,
                           self.inlet, self.vent, shared_exhaust)

    def check(self, pressure, peak=None, mode=None, reached=None, pump=0, vent=None, stale=None, dt=25, inlet=None,
              sensed=None):
        self.pressure[:] = pressure
        if sensed is not None:
            self.sensed[:] = sensed
        self.stale[:] = stale or [0] * len(self.stale)
        self.peak[:] = peak or [450] * N
        self.mode[:] = mode or [HOLD] * N
        self.reached[:] = reached or [1] * N
        self.inlet[:] = inlet or [0] * N
        self.vent[:] = vent or [0] * N
        return self.lim.check(dt, pump)


def test_quiet_when_inside_limits():
    rig = Rig()
    assert rig.check([400, 300, 0]) == faults.NONE


def test_trip_above_target_plus_margin_latches():
    rig = Rig()
    assert rig.check([450 + limits.TRIP_MARGIN_DMMHG, 0, 0]) == faults.NONE
    assert rig.check([451 + limits.TRIP_MARGIN_DMMHG, 0, 0]) == faults.OVERPRESSURE
    assert rig.lim.fault_chamber == 0
    assert rig.check([0, 0, 0]) == faults.OVERPRESSURE  # latched
    rig.lim.clear()
    assert rig.check([0, 0, 0]) == faults.NONE


def test_venting_chamber_is_left_to_ceiling_and_vent_timeout():
    rig = Rig()
    assert rig.check([900, 0, 0], peak=[300] * N, mode=[VENT] * N, vent=[1] * N) == faults.NONE
    assert rig.check([2001, 0, 0], peak=[300] * N, mode=[VENT] * N, vent=[1] * N) == faults.HARD_LIMIT


def test_hard_limit_from_table_caps_the_board():
    assert Rig(9999).lim.hard_limit == limits.HARD_LIMIT_DMMHG
    rig = Rig(1000)
    big = [5000] * N
    assert rig.check([1001, 0, 0], peak=big) == faults.HARD_LIMIT


def test_sensor_out_of_range_or_stale():
    assert Rig().check([limits.SENSOR_MIN_DMMHG - 1, 0, 0]) == faults.SENSOR
    assert Rig().check([0, 0, 0], stale=[0, limits.SENSOR_STALE_MS + 1, 0]) == faults.SENSOR


def test_pump_may_not_run_forever():
    rig = Rig()
    code = faults.NONE
    for _ in range(limits.PUMP_MAX_ON_MS // 25 + 2):
        code = rig.check([100, 0, 0], pump=60)
    assert code == faults.PUMP_RUN


def test_fill_timeout_when_target_never_reached():
    rig = Rig()
    rig.lim.fill_timeout_ms = 2000
    code = faults.NONE
    for _ in range(2000 // 25 + 2):
        code = rig.check([10, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N)
    assert code == faults.FILL_TIMEOUT


def test_vent_timeout_when_pressure_stays_up():
    rig = Rig()
    code = faults.NONE
    for _ in range(limits.VENT_TIMEOUT_MS // 25 + 2):
        code = rig.check([0, 200, 0], mode=[VENT] * N, vent=[1] * N)
    assert code == faults.VENT_TIMEOUT and rig.lim.fault_chamber == 1


def test_force_safe_opens_every_vent_and_closes_every_inlet_in_the_core_lists():
    rig = Rig()
    rig.inlet[:] = [1, 1, 0]
    rig.vent[:] = [0, 0, 1]
    assert rig.lim.force_safe() == 0  # the pump's safe duty
    assert rig.inlet == [0] * 3 and rig.vent == [1] * 3


def test_held_chamber_losing_pressure_is_a_leak():
    rig = Rig()
    code = faults.NONE
    p = 450
    for k in range(3 * limits.LEAK_WINDOW_MS // 25):
        p = 450 - k // 2  # 2 mmHg per second
        code = rig.check([p, 400, 350])
        if code:
            break
    assert code == faults.LEAK and rig.lim.fault_chamber == 0


def test_noisy_but_tight_chamber_is_not_a_leak():
    rig = Rig()
    for k in range(10 * limits.LEAK_WINDOW_MS // 25):
        noise = (k * 7919) % 17 - 8  # +-0.8 mmHg
        assert rig.check([450 + noise, 400 - noise, 350]) == faults.NONE


def test_fed_chamber_whose_reading_never_rises_trips_no_rise():
    rig = Rig()
    for _ in range(80):  # the reading has been 12 mmHg for a while (its filter has settled)
        assert rig.check([120, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N) == faults.NONE
    code = faults.NONE
    for _ in range(limits.NO_RISE_MS // 25 + 3):  # a stuck sensor: the same value every tick
        code = rig.check([120, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N, pump=100, inlet=[1, 0, 0])
    assert code == faults.NO_RISE and rig.lim.fault_chamber == 0


def test_a_rising_reading_and_far_apart_top_ups_are_fine():
    rig = Rig()
    p = 100
    for _ in range(4 * limits.NO_RISE_MS // 25):  # 0.2 mmHg per tick of feeding
        p += 2
        assert rig.check([p, 0, 0], mode=[FILL, VENT, VENT], reached=[0] * N, pump=100, inlet=[1, 0, 0]) == 0
    rig = Rig()
    for _ in range(6):  # short top-ups that barely move the reading, far apart
        for _ in range(8):
            assert rig.check([400, 0, 0], pump=50, inlet=[1, 0, 0]) == faults.NONE
        for _ in range(limits.NO_RISE_MS // 25 + 2):
            assert rig.check([400, 0, 0]) == faults.NONE


def test_shared_exhaust_gets_vent_time_per_chamber():
    rig = Rig(sensors=1, shared_exhaust=True)
    assert rig.lim.vent_timeout_ms == limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * N
    code = faults.NONE
    ticks = 0
    while code == faults.NONE and ticks < 10000:
        code = rig.check([200, 0, 0], sensed=[0], mode=[VENT] * N, reached=[0] * N, vent=[1] * N)
        ticks += 1
    assert code == faults.VENT_TIMEOUT and ticks * 25 > rig.lim.vent_timeout_ms


def test_check_reads_the_core_lists_in_place_and_allocates_nothing():
    rig = Rig()
    assert rig.check([400, 0, 0]) == faults.NONE
    rig.pressure[1] = 2001  # the core writes its lists between ticks; check() sees them there
    micropython.heap_lock()
    try:
        code = rig.lim.check(25, 0)
    finally:
        micropython.heap_unlock()
    assert code == faults.HARD_LIMIT and rig.lim.fault_chamber == 1
