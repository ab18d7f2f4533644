# The single-fault holes of issue 10, one test each on the control core: each failed before
# the fix. CPython (pytest) and the MicroPython unix port (run.py): plain asserts.
import buttons
import faults
import limits
import programs
from controller import Controller
from limiter import Limiter
from limiter_manifold import ManifoldLimiter
from support import FILL, HOLD, VENT, Bench, IdealPlant, board, ticks_diff

N = 3


class Rig:
    """A limiter on lists the test writes into before each check, as the core does."""

    def __init__(self, sensors=0):
        self.pressure = [0] * N
        self.sensed = [0] * sensors if sensors else self.pressure
        self.stale = [0] * len(self.sensed)
        self.peak = [450, 400, 350]
        self.mode = [VENT] * N
        self.reached = [0] * N
        self.inlet = [0] * N
        self.vent = [1] * N
        make = ManifoldLimiter if sensors else Limiter
        self.lim = make(2000, self.pressure, self.sensed, self.stale, self.peak, self.mode, self.reached, self.inlet,
                        self.vent, bool(sensors))

    def check(self, p0, mode=VENT, reached=0, inlet=0, vent=1, pump=0, sensed=None):
        self.pressure[0] = p0
        if sensed is not None:
            self.sensed[0] = sensed
        self.mode[0] = mode
        self.reached[0] = reached
        self.inlet[0] = inlet
        self.vent[0] = vent
        return self.lim.check(25, pump)

    def fill(self, to=440, rate=8, scale=100):
        """Feed chamber 0 from 0 to `to` (its reading `scale` % of it), then hold it."""
        p = 0
        code = faults.NONE
        while p < to and not code:
            p += rate
            code = self.check(p * scale // 100, FILL, 0, 1, 0, 100)
        return code or self.check(p * scale // 100, FILL, 1, 0, 0)


def test_hole1_a_held_reading_that_drops_away_trips_before_any_top_up():
    # A sensor tube off a held chamber: 44 mmHg to its own zero in a sample or two.
    rig = Rig()
    assert rig.fill() == faults.NONE
    for _ in range(40):
        assert rig.check(440, HOLD, 1, 0, 0) == faults.NONE
    code = rig.check(190, HOLD, 1, 0, 0)  # the sensor's lag: most of the drop in the first sample
    ticks = 1
    while not code and ticks < 100:
        code = rig.check(20, HOLD, 1, 0, 0)
        ticks += 1
    # It stands FALL_MS (a movement of the limb is over sooner), twice FALL_DMMHG below the block before.
    assert code == faults.SENSOR and rig.lim.fault_chamber == 0 and ticks <= limits.FALL_MS // 25 + 3
    assert rig.lim.fault_limit == 2 * limits.FALL_DMMHG and rig.lim.fault_value > 2 * limits.FALL_DMMHG


def test_hole1_a_leak_is_no_sensor_fault():
    # 10 mmHg/s out of a held chamber (a loose push-fit): slower than FALL_DMMHG per block, so
    # a leak (LEAK_DROP_DMMHG below its best since it was fed, for LEAK_DROP_MS), never a
    # sensor come off.
    rig = Rig()
    assert rig.fill() == faults.NONE
    p = 440
    code = faults.NONE
    for _ in range(80):
        p -= 2
        code = code or rig.check(p, HOLD, 1, 0, 0)
    assert code == faults.LEAK and rig.lim.fault_limit == limits.LEAK_DROP_DMMHG


def test_hole2_a_reading_that_stops_while_the_chamber_rises_fast_trips_within_the_short_window():
    rig = Rig()
    p = 0
    for _ in range(60):  # 32 mmHg/s: the fill is rising fast
        p += 8
        assert rig.check(p, FILL, 0, 1, 0, 100) == faults.NONE
    ticks = 0
    while rig.check(p, FILL, 0, 1, 0, 100) == faults.NONE:  # stuck
        ticks += 1
        assert ticks < limits.NO_RISE_MS // 25
    # Within the short window and the reading filter's lag, long before NO_RISE_MS.
    assert rig.lim.fault == faults.NO_RISE and ticks * 25 <= limits.NO_RISE_MIN_MS + 150


def test_hole4_a_reading_short_of_its_last_fill_trips_air():
    rig = Rig()
    assert rig.fill() == faults.NONE  # the first fill: the air it took is the reference
    for _ in range(40):
        assert rig.check(0) == faults.NONE  # vented
    code = rig.fill(to=1000, scale=60)  # the sensor now reads 60 % of the pressure
    assert code == faults.AIR and rig.lim.fault_chamber == 0
    assert rig.pressure[0] < 440  # the reading; the chamber is at 100/60 of it: caught near 440


def test_hole4_a_fill_that_takes_far_more_air_than_the_last_trips_air():
    rig = Rig()
    assert rig.fill() == faults.NONE
    for _ in range(40):
        assert rig.check(0) == faults.NONE
    code = rig.fill(rate=4)  # half the rise for the same air: a kinked hose, a reading at half gain
    assert code == faults.AIR


def test_hole5_zeroing_refuses_a_reading_still_settling_from_a_pressurised_chamber():
    # After a power cycle a chamber vents slowly: 29.2 mmHg falling 0.5 mmHg/s is no zero.
    b = Bench()
    for _ in range(Controller.zero_timeout_ms // 25 + 80):
        b.raw[:] = [292 - b.t // 200] * 4  # 0.5 mmHg per second
        b.tick()
        assert b.ctrl.state != faults.IDLE
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.ZERO_OFFSET


def test_hole5_a_zero_taken_from_a_chamber_that_vents_on_later_trips_when_it_reads_below_zero():
    b = Bench(offset=60).zeroed()  # 6 mmHg left in every chamber taken as the offset ...
    b.raw[:] = [0] * 4  # ... which then vents away: the chambers read -6 mmHg
    b.run_ms(limits.VENTED_SETTLE_MS + 500)
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.ZERO_OFFSET
    b.press(buttons.START, hold_ms=1600)  # cleared: the zeros are measured again
    assert b.ctrl.state == faults.ZEROING


def test_hole6_a_start_pressed_during_zeroing_does_not_outlive_a_fault():
    b = Bench(offset=limits.ZERO_OFFSET_MAX_DMMHG + 50)
    b.press(buttons.START)  # pending: START once zeroed
    b.run_ms(3600)
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.ZERO_OFFSET
    b.raw[:] = [0] * 4
    b.press(buttons.START, hold_ms=1600)  # clear: zeroes again
    b.run_ms(3600)
    assert b.ctrl.state == faults.IDLE and b.ctrl.pump == 0  # not RUNNING: START was not pressed again


def test_hole7_a_vented_reading_well_below_zero_is_a_drifting_zero():
    b = Bench().zeroed()
    b.raw[1] = -(limits.ZERO_DRIFT_DMMHG + 20)  # the zero walked 6 mmHg down
    b.run_ms(limits.VENTED_SETTLE_MS + 500)
    assert b.ctrl.fault == faults.ZERO_OFFSET and b.ctrl.limiter.fault_chamber == 1
    b2 = Bench().zeroed()
    b2.raw[1] = -(limits.ZERO_DRIFT_DMMHG - 10)  # within the margin: noise
    b2.run_ms(3000)
    assert b2.ctrl.state == faults.IDLE


def test_hole8_the_manifold_rising_with_the_pump_off_is_a_pump_that_runs_on():
    rig = Rig(sensors=1)
    rig.vent[1] = rig.vent[2] = 0  # held: the exhaust is shut
    rig.pressure[0] = 300  # the chamber's last reading, open to the manifold
    for _ in range(20):
        assert rig.check(300, HOLD, 1, 1, 0, 0, sensed=300) == faults.NONE  # pump off: steady
    m = 300
    code = faults.NONE
    while not code and m < 600:
        m += 3  # 12 mmHg/s with the pump told off and the valves as they were
        code = rig.check(300, HOLD, 1, 1, 0, 0, sensed=m)
    assert code == faults.PUMP_RUN and m < 420


def test_hole8_the_manifold_settling_toward_a_chamber_is_no_pump():
    rig = Rig(sensors=1)
    rig.vent[1] = rig.vent[2] = 0
    rig.pressure[0] = 300
    m = 200
    for _ in range(40):  # the manifold equalises up toward the chamber it is open to
        m += 2 if m < 300 else 0
        assert rig.check(300, HOLD, 1, 1, 0, 0, sensed=m) == faults.NONE


def test_the_garment_check_passes_a_boot_that_answers_and_starts_the_wave():
    b = Bench().zeroed().started()
    # Its puffs of air let out first: every chamber vented a while, then the first fill.
    for _ in range(1400 // 25):
        b.run_ms(25)
        assert not b.ctrl.pump and all(b.ctrl.vent)
    b.run_ms(200)
    assert b.ctrl.scheduler.mode[0] == FILL


def test_the_garment_check_refuses_an_unplugged_boot_in_under_three_seconds():
    for topology in ("inlet+vent", "inlet+exhaust"):
        b = Bench(answer=False, board_kw={"topology": topology}).zeroed()
        b.press(buttons.START)
        t = b.t
        while b.ctrl.state == faults.RUNNING:
            b.tick()
        assert b.ctrl.fault == faults.NO_BOOT, (topology, b.ctrl.fault)
        assert b.t - t < 3000 and b.ctrl.pump == 0 and b.ctrl.vent == [1] * 4


def test_the_garment_check_names_the_chamber_that_does_not_answer():
    b = Bench(answer=False).zeroed()
    b.press(buttons.START)
    while b.ctrl.state == faults.RUNNING:
        if b.ctrl.pump and not b.ctrl.inlet[2]:  # every chamber answers but the third
            for i in range(4):
                b.raw[i] += 3 * b.ctrl.inlet[i]
        b.tick()
    assert b.ctrl.fault == faults.GARMENT and b.ctrl.limiter.fault_chamber == 2


def test_the_garment_check_refuses_a_zero_that_walked_away():
    b = Bench().zeroed()
    b.ctrl.zero_f[3] = -(limits.ZERO_DRIFT_DMMHG + 30) << 4  # the filtered zero of chamber 4, far below
    b.press(buttons.START)
    b.run_ms(200)
    assert b.ctrl.fault == faults.ZERO_OFFSET and b.ctrl.limiter.fault_chamber == 3


def test_tourniquet_no_chamber_above_20_mmhg_longer_than_the_limit():
    rig = Rig()
    assert rig.fill(to=300) == faults.NONE
    rig.peak[0] = 300
    code = faults.NONE
    t = 1000  # the fill spent about a second above 20 mmHg
    while not code:
        code = rig.check(300, HOLD, 1, 0, 0)
        t += 25
    assert code == faults.TOURNIQUET and limits.TOURNIQUET_MS - 200 < t <= limits.TOURNIQUET_MS + 1050


def test_tourniquet_a_program_that_could_hold_a_chamber_longer_is_refused():
    gradient = programs.find("gradient")
    recovery = programs.find("recovery")
    ok = Controller(board(8), ticks_diff)
    assert ok.can_run(gradient) and programs.held_ms(gradient, 8) <= limits.TOURNIQUET_MS
    big = Controller(board(9), ticks_diff)  # 9 x (20 s inflate + 0.5 s hold) > 180 s
    assert not big.can_run(gradient) and big.can_run(recovery) and big.program == recovery


def test_every_wave_follows_the_program_s_whole_refill_time_vented():
    b = Bench().zeroed()
    plant = IdealPlant(b, rate=8)
    b.buttons = 1 << buttons.START
    plant.run_ms(100)
    b.buttons = 0
    plant.run_ms(4000)
    assert b.ctrl.scheduler.mode[0] != VENT  # the wave runs
    b.buttons = 1 << buttons.START  # pause, then resume at once
    plant.run_ms(100)
    b.buttons = 0
    plant.run_ms(500)
    b.buttons = 1 << buttons.START
    plant.run_ms(100)
    b.buttons = 0
    rest = programs.PROGRAMS[b.ctrl.program][programs.REST_MS]
    plant.run_ms(rest - 2000)
    assert b.ctrl.state == faults.RUNNING and b.ctrl.scheduler.mode == [VENT] * 4  # refilling
    plant.run_ms(3000)
    assert b.ctrl.scheduler.mode[0] != VENT


def test_a_trip_records_code_chamber_value_and_limit():
    rig = Rig()
    rig.check(0)
    code = rig.check(2001 + 0, HOLD, 1, 0, 0)
    assert code == faults.HARD_LIMIT
    lim = rig.lim
    assert (lim.fault_chamber, lim.fault_value, lim.fault_limit, lim.fault_ms) == (0, 2001, 2000, False)
