import buttons
import faults
import limits
import programs
from support import FILL, Bench, IdealPlant


def test_boots_in_safe_state_while_zeroing():
    b = Bench(offset=37)
    b.tick()
    assert b.ctrl.state == faults.ZEROING
    assert b.ctrl.pump == 0 and b.ctrl.vent == [1] * 4 and b.ctrl.inlet == [0] * 4


def test_zeroing_removes_sensor_offset():
    b = Bench(offset=37).zeroed()
    assert b.ctrl.pressure == [0] * 4
    b.raw[2] = 37 + 100
    b.tick()
    assert b.ctrl.pressure[2] == 100


def test_implausible_offset_refuses_to_run():
    b = Bench(offset=limits.ZERO_OFFSET_MAX_DMMHG + 50)
    b.run_ms(3600)
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.ZERO_OFFSET


def test_zeroing_waits_while_chambers_are_still_venting():
    b = Bench()
    b.raw[:] = [400] * 4
    for _ in range(100):  # falling 4 mmHg per 0.1 s for 2.5 s
        b.tick()
        b.raw[:] = [max(0, r - 10) for r in b.raw]
    assert b.ctrl.state == faults.ZEROING
    b.run_ms(3000)
    assert b.ctrl.state == faults.IDLE and b.ctrl.pressure == [0] * 4


def test_start_pressed_during_zeroing_starts_once_zeroed():
    b = Bench()
    b.press(buttons.START)
    assert b.ctrl.state == faults.ZEROING
    b.run_ms(3600)
    assert b.ctrl.state == faults.RUNNING


def test_a_long_start_during_zeroing_drops_the_start_pressed_before_it():
    b = Bench()
    b.press(buttons.START)
    b.press(buttons.START, 1600)  # a long press: stop
    assert b.ctrl.state == faults.ZEROING
    b.run_ms(3600)
    assert b.ctrl.state == faults.IDLE and b.ctrl.pump == 0


def test_buttons_start_pause_resume_stop():
    b = Bench().zeroed()
    b.press(buttons.START)
    assert b.ctrl.state == faults.RUNNING and b.ctrl.inlet[0] == 1 and b.ctrl.pump > 0
    b.press(buttons.START)
    assert b.ctrl.state == faults.PAUSED and b.ctrl.pump == 0 and b.ctrl.vent == [1] * 4
    b.press(buttons.START)
    assert b.ctrl.state == faults.RUNNING
    b.press(buttons.START, hold_ms=1600)
    assert b.ctrl.state == faults.IDLE and b.ctrl.pump == 0 and b.ctrl.vent == [1] * 4


def test_mode_cycles_programs_only_while_idle():
    b = Bench().zeroed()
    first = b.ctrl.program
    seen = []
    for _ in range(programs.COUNT):  # every program once, then the first again
        b.press(buttons.MODE)
        seen.append(b.ctrl.program)
    assert seen[:-1] == list(range(1, programs.COUNT)) and seen[-1] == first
    b.press(buttons.START)
    b.press(buttons.MODE)
    assert b.ctrl.program == first


def test_board_without_chamber_vents_never_offers_recovery():
    b = Bench(board_kw={"topology": "inlet+exhaust"}).zeroed()
    for _ in range(3):
        b.press(buttons.MODE)
        assert programs.PROGRAMS[b.ctrl.program][programs.KIND] == programs.GRADIENT


def test_up_down_change_level_within_program_limits():
    b = Bench().zeroed()
    level = b.ctrl.level
    b.press(buttons.UP)
    assert b.ctrl.level == level + limits.LEVEL_STEP_DMMHG
    for _ in range(40):
        b.press(buttons.DOWN)
    assert b.ctrl.level == programs.PROGRAMS[b.ctrl.program][programs.LEVEL_MIN]


def test_fault_forces_safe_state_until_long_start():
    b = Bench().zeroed()
    plant = IdealPlant(b)
    b.buttons = 1 << buttons.START
    plant.run_ms(100)
    b.buttons = 0
    plant.run_ms(2500)  # the garment check, then the first fill
    assert b.ctrl.state == faults.RUNNING and b.ctrl.scheduler.mode[0] == FILL
    b.raw[0] = 900  # the filling chamber far above its target, below the ceiling
    b.tick()
    assert b.ctrl.pump == 0  # at once: no air goes in (a movement of the limb would be over in a second)
    b.run_ms(limits.OVERPRESSURE_MS)
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.OVERPRESSURE
    assert b.ctrl.pump == 0 and b.ctrl.vent == [1] * 4 and b.ctrl.inlet == [0] * 4
    b.raw[0] = 0
    b.press(buttons.START)  # a short press does not clear a fault
    assert b.ctrl.state == faults.FAULT
    b.press(buttons.START, hold_ms=1600)
    assert b.ctrl.state == faults.IDLE and b.ctrl.fault == faults.NONE


def test_dead_sensor_trips_after_stale_time():
    b = Bench().zeroed()
    b.raw[3] = faults.NO_READING
    b.run_ms(limits.SENSOR_STALE_MS + 100)
    assert b.ctrl.state == faults.FAULT and b.ctrl.fault == faults.SENSOR


def test_gradient_wave_on_ideal_plant_fills_distal_first_and_vents():
    b = Bench(chambers=5).zeroed()
    plant = IdealPlant(b, rate=8, lag=2)
    b.buttons = 1 << buttons.START
    plant.run_ms(100)
    b.buttons = 0
    order = []
    vented_between = False
    for _ in range(4000):
        plant.tick()
        for i in range(5):
            if b.ctrl.inlet[i] and i not in order:
                order.append(i)
        if b.ctrl.cycles >= 1:
            break
        if b.ctrl.scheduler.phase == 3 and max(plant.p) < limits.VENTED_DMMHG:
            vented_between = True
    assert order == [0, 1, 2, 3, 4]
    assert b.ctrl.cycles == 1 and vented_between
    for i in range(5):
        assert abs(plant.peak[i] - b.ctrl.peak[i]) <= 40, (plant.peak, b.ctrl.peak)


def test_session_ends_after_its_minutes():
    b = Bench(session_min=1).zeroed()
    plant = IdealPlant(b, rate=8)
    b.buttons = 1 << buttons.START
    plant.run_ms(100)
    b.buttons = 0
    plant.run_ms(59000)
    assert b.ctrl.state == faults.RUNNING
    plant.run_ms(2000)
    assert b.ctrl.state == faults.IDLE and b.ctrl.vent == [1] * 4 and b.ctrl.pump == 0


def test_clearing_a_fault_raised_before_zeroing_measures_the_zero_again():
    b = Bench(offset=limits.ZERO_OFFSET_MAX_DMMHG + 50)
    b.run_ms(3600)
    assert b.ctrl.fault == faults.ZERO_OFFSET
    b.raw[:] = [40] * 4  # the sensor is plausible now (e.g. a chamber finished venting)
    b.press(buttons.START, hold_ms=1600)
    assert b.ctrl.state == faults.ZEROING  # not IDLE: no trusted offsets yet
    b.run_ms(3600)
    assert b.ctrl.state == faults.IDLE and b.ctrl.pressure == [0] * 4


def test_level_is_capped_to_what_the_sensor_can_read():
    # The HX710B module at its nominal scale saturates about 78 mmHg above its zero: a
    # level whose trip margin would pass that is lowered, and lowered further by the offset.
    b = Bench(offset=80).zeroed()
    span = b.ctrl.sensor_span
    assert 700 < span < 900
    assert b.ctrl.level_cap == (span - 80 - limits.TRIP_MARGIN_DMMHG) // 50 * 50
    b.ctrl.select_program(programs.find("recovery"))
    b.ctrl.levels[b.ctrl.program] = 1000
    assert b.ctrl.level_in_use() == b.ctrl.level_cap
    b.started()
    assert b.ctrl.peak[0] == b.ctrl.level_cap


# ---- maintenance mode: MODE held from power-on ---------------------------------------------
MODE = 1 << buttons.MODE


def safe_each_tick(b, ms):
    for _ in range(ms // 25):
        b.tick()
        c = b.ctrl
        assert c.pump == 0 and c.inlet == [0] * 4 and c.vent == [1] * 4, b.t


def test_a_tap_of_mode_at_power_on_is_swallowed_not_maintenance():
    b = Bench()
    program = b.ctrl.program
    b.buttons = MODE
    safe_each_tick(b, 150)
    b.buttons = 0
    safe_each_tick(b, 3000)
    assert not b.ctrl.maintenance and b.ctrl.state == faults.IDLE
    assert b.ctrl.program == program  # the tap did not pick the next program
    b.press(buttons.MODE)  # from now on MODE is MODE again
    assert b.ctrl.program != program and not b.ctrl.maintenance


def test_a_hold_just_short_of_the_time_is_swallowed_and_the_board_runs_as_usual():
    b = Bench()
    program = b.ctrl.program
    b.buttons = MODE
    safe_each_tick(b, buttons.MAINTENANCE_HOLD_MS - 100)
    b.buttons = 0
    safe_each_tick(b, 1700)
    assert not b.ctrl.maintenance and b.ctrl.program == program and b.ctrl.state == faults.IDLE
    b.press(buttons.START)
    assert b.ctrl.state == faults.RUNNING and b.ctrl.pump > 0


def test_mode_held_from_power_on_enters_maintenance_and_every_output_stays_safe():
    b = Bench()
    b.buttons = MODE | (1 << buttons.START)  # START pressed too: ignored during the hold
    safe_each_tick(b, buttons.MAINTENANCE_HOLD_MS)  # the first step is at 0 ms: 1975 ms held
    assert not b.ctrl.maintenance
    safe_each_tick(b, 25)
    assert b.ctrl.maintenance
    b.buttons = 0
    safe_each_tick(b, 500)
    b.buttons = 1 << buttons.START  # a shell that steps on: latched, nothing starts
    safe_each_tick(b, 2000)
    b.buttons = 0
    safe_each_tick(b, 500)
    assert b.ctrl.maintenance and b.ctrl.state != faults.RUNNING


def test_mode_pressed_only_after_power_on_is_an_ordinary_press():
    b = Bench()
    b.tick()  # the first step sees MODE up
    b.buttons = MODE
    b.run_ms(buttons.MAINTENANCE_HOLD_MS + 500)
    b.buttons = 0
    b.run_ms(3000)
    assert not b.ctrl.maintenance and b.ctrl.state == faults.IDLE


def test_the_limiter_judges_a_held_chamber_against_the_level_its_regulator_aims_at():
    # A chamber's regulator aims below its target by what its neighbours' fills lift it; the
    # limiter's LEAK_DROP_DMMHG counts from that aim (the single-sensor build aims at the target).
    b = Bench()
    assert b.ctrl.limiter._aim_below is b.ctrl.regulator.offset
    assert Bench(board_kw={"topology": "inlet+exhaust"}).ctrl.limiter._aim_below is None
