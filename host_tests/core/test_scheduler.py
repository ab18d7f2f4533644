import limits
import programs
import scheduler
from support import FILL, HOLD, VENT

GRADIENT = programs.find("gradient")
RECOVERY = programs.find("recovery")


def advance(s, ms, reached, pressure, step=25):
    for _ in range(ms // step):
        s.step(step, reached, pressure)


def test_gradient_targets_descend_distal_to_proximal():
    out = [0] * 4
    programs.fill_targets(GRADIENT, 4, 450, out)
    assert out == [450, 400, 350, 300]
    for n in range(3, 13):
        out = [0] * n
        programs.fill_targets(GRADIENT, n, 450, out)
        assert out[0] == 450 and out[-1] == 300
        assert all(out[i] > out[i + 1] for i in range(n - 1))


def test_recovery_targets_are_level_everywhere():
    out = [0] * 6
    programs.fill_targets(RECOVERY, 6, 700, out)
    assert out == [700] * 6


def test_gradient_fills_in_order_and_holds_until_the_last():
    s = scheduler.Scheduler(4)
    s.start(GRADIENT, 450)
    reached = [0] * 4
    pressure = [0] * 4
    for k in range(4):
        assert s.mode[k] == FILL and s.target[k] == s.peak[k]
        assert all(m == HOLD for m in s.mode[:k])
        assert all(m == VENT for m in s.mode[k + 1:])
        advance(s, 1000, reached, pressure)
        assert s.mode[k] == FILL  # waits for the regulator
        reached[k] = 1
        pressure[k] = s.peak[k]
        s.step(25, reached, pressure)
        advance(s, programs.PROGRAMS[GRADIENT][programs.HOLD_MS], reached, pressure)
    assert s.phase == scheduler.RELEASE
    assert s.mode == [VENT] * 4


def test_release_waits_for_every_chamber_to_vent_then_rests():
    s = scheduler.Scheduler(3)
    s.start(GRADIENT, 450)
    s._release()
    pressure = [0, limits.VENTED_DMMHG + 5, 0]
    advance(s, programs.PROGRAMS[GRADIENT][programs.RELEASE_MS] + 2000, [0] * 3, pressure)
    assert s.phase == scheduler.RELEASE
    pressure[1] = limits.VENTED_DMMHG - 1
    s.step(25, [0] * 3, pressure)
    assert s.phase == scheduler.REST
    advance(s, programs.PROGRAMS[GRADIENT][programs.REST_MS], [0] * 3, pressure)
    assert s.cycles == 1 and s.phase == scheduler.WAVE and s.mode[0] == FILL


def test_recovery_releases_distal_zones_as_the_wave_moves_up():
    s = scheduler.Scheduler(4)
    s.start(RECOVERY, 700)
    reached = [0] * 4
    pressure = [0] * 4
    seen = []
    for k in range(4):
        reached[k] = 1
        s.step(25, reached, pressure)
        advance(s, programs.PROGRAMS[RECOVERY][programs.HOLD_MS] + 25, reached, pressure)
        seen.append(list(s.mode))
    assert seen[0] == [HOLD, FILL, VENT, VENT]
    assert seen[1] == [VENT, HOLD, FILL, VENT]
    assert seen[2] == [VENT, VENT, HOLD, FILL]
    assert seen[3] == [VENT] * 4 and s.phase == scheduler.RELEASE


def test_level_change_applies_at_the_next_cycle():
    s = scheduler.Scheduler(4)
    s.start(GRADIENT, 450)
    s.set_level(500)
    assert s.peak[0] == 450
    s._release()
    advance(s, 60000, [0] * 4, [0] * 4)
    assert s.peak[0] == 500


def test_stop_vents_everything():
    s = scheduler.Scheduler(5)
    s.start(GRADIENT, 450)
    s.stop()
    assert s.mode == [VENT] * 5 and s.phase == scheduler.STOPPED and s.target == [0] * 5
