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


def test_a_wave_waits_for_every_chamber_to_be_vented_after_the_rest():
    # After the garment check's puffs a chamber behind a stuck exhaust stays up: the first wave
    # does not start on top of it (the limiter's VENT_TIMEOUT decides), and starts once it is down.
    s = scheduler.Scheduler(3)
    s.rested_ms = 0
    s.start(GRADIENT, 450, least=500)
    pressure = [0, 0, limits.VENTED_DMMHG + 200]
    advance(s, programs.PROGRAMS[GRADIENT][programs.REST_MS] + 5000, [0] * 3, pressure)
    assert s.phase == scheduler.REST and s.mode == [VENT] * 3
    pressure[2] = 0
    s.step(25, [0] * 3, pressure)
    assert s.phase == scheduler.WAVE and s.mode[0] == FILL


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


WAVE = programs.find("wave")
LYMPH = programs.find("lymph")
BOOST = programs.find("boost")


def run_wave(s, chambers, fill_ms=500, step=25):
    """Step a started scheduler through one wave, each fill taking fill_ms; the tick (ms) at which
    each chamber began to fill, was held, and let go, per chamber in a dict of lists."""
    reached = [0] * chambers
    pressure = [0] * chambers
    seen = {"fill": [(i, 0) for i in range(chambers) if s.mode[i] == FILL], "hold": [], "vent": []}
    filling_since = {}
    before = list(s.mode)
    t = 0
    while s.phase != scheduler.RELEASE and t < 600000:
        for i in range(chambers):
            if s.mode[i] == FILL:
                filling_since.setdefault(i, t)
                reached[i] = 1 if t - filling_since[i] >= fill_ms else 0
            else:
                filling_since.pop(i, None)
                reached[i] = 0
        s.step(step, reached, pressure)
        t += step
        for i in range(chambers):
            if s.mode[i] != before[i]:
                seen[("vent", "hold", "fill")[s.mode[i]]].append((i, t))
        before = list(s.mode)
    return seen


def test_wave_lets_each_zone_go_its_overlap_after_the_next_starts_filling():
    s = scheduler.Scheduler(4)
    s.start(WAVE, 500)
    seen = run_wave(s, 4)
    p = programs.PROGRAMS[WAVE]
    starts = dict(seen["fill"])
    vents = dict(seen["vent"])
    for k in range(3):
        assert vents[k] - starts[k + 1] == p[programs.OVERLAP_MS]  # exactly, at 25 ms ticks
        assert starts[k + 1] < vents[k]  # adjacent zones overlap
    holds = dict(seen["hold"])
    for k in range(1, 4):
        assert starts[k] - holds[k - 1] == p[programs.HOLD_MS]


def test_lymph_clears_the_proximal_zones_proximal_first_then_waves_distal_first():
    s = scheduler.Scheduler(4)
    s.start(LYMPH, 500)
    seen = run_wave(s, 4)
    p = programs.PROGRAMS[LYMPH]
    order = [k for k, _t in seen["fill"]]
    clearing = [3, 2] * p[programs.CLEAR_PASSES]
    assert order[:-4] == clearing and order[-4:] == [0, 1, 2, 3]
    fills = seen["fill"]
    holds = seen["hold"]
    for j in range(len(clearing)):  # each clearing pulse holds its own short time, then lets go
        k, held_at = holds[j]
        assert (k, held_at + p[programs.CLEAR_HOLD_MS]) in seen["vent"]
        assert fills[j + 1][1] == held_at + p[programs.CLEAR_HOLD_MS]
    s._release()
    advance(s, 60000, [0] * 4, [0] * 4)  # the next cycle: no clearing again
    assert s.mode[0] == FILL


def test_boost_holds_its_zone_higher_and_longer():
    out = [0] * 4
    programs.fill_targets(BOOST, 4, 500, out)
    p = programs.PROGRAMS[BOOST]
    zone = p[programs.BOOST_ZONE]
    assert out[zone] == 500 + p[programs.BOOST_DMMHG] and [out[i] for i in range(4) if i != zone] == [500] * 3
    s = scheduler.Scheduler(4)
    s.start(BOOST, 500)
    seen = run_wave(s, 4)
    holds = dict(seen["hold"])
    starts = dict(seen["fill"])
    for k in range(3):
        extra = p[programs.BOOST_HOLD_MS] if k == zone else 0
        assert starts[k + 1] - holds[k] == p[programs.HOLD_MS] + extra


def test_every_built_in_program_fits_the_tourniquet_limit_on_eight_chambers():
    for index in range(programs.BUILT_IN):
        assert programs.held_ms(index, 8) <= limits.TOURNIQUET_MS, programs.NAMES[index]
