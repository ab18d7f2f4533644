# The limiter's allowances for a limb whose fills stray and whose movements push a fill up
# (limiter_rig.py; a file of their own keeps each compile small enough for the VM's heap).
import faults
import limits
from limiter_rig import N, Rig, fed_run, fill_hold_vent
from scheduler import FILL, HOLD, VENT


def test_a_push_the_block_before_held_may_give_back_a_share_of_its_best():
    # A movement pushes a fill at 20 mmHg up 9 mmHg and holds it there past a whole block while
    # the fill goes on; when it lets go the reading stands 3.6 mmHg under its pushed best (more
    # than FED_FALL_DMMHG, less than FED_GIVE_PCT of it): waited out, the fill goes on.
    fill = list(range(0, 200, 3))
    push = [200 + 15 * k for k in range(1, 7)] + [290 + 3 * k for k in range(1, 33)]
    let_go = [376, 368] + [350] * 4 + [350 + 3 * k for k in range(30)]
    assert fed_run(fill + push + let_go)[0] == faults.NONE
    # A sensor losing 40 % of its gain on a slow fill (no push, the block before just below) falls
    # by far more than that share high up, and by more than FED_FALL_DMMHG low down.
    for at in (400, 120):
        slow = list(range(0, at, 2))
        assert fed_run(slow + [(at + 2 * k) * 6 // 10 for k in range(40)])[0] == faults.SENSOR


def test_a_push_that_began_before_the_block_before_is_judged_from_where_it_began():
    # A slow fill (12 mmHg/s) is pushed up 5 mmHg in 0.1 s just before a block begins, held there
    # past that block, and let go: the reading stands 2.1 mmHg above where the push began but 4.7
    # mmHg under its best, which the block before (begun part-way up) cannot tell from a sensor
    # losing gain. The rise was four times the fill's: judged from where it began, it is back.
    # A sensor that loses 40 % of its gain as the push lets go is not.
    fill = [3 * k for k in range(54)]  # to 15.9 mmHg; a block begins at the 55th fed tick
    push = [159 + 12 * k for k in range(1, 5)] + [207 + k for k in range(1, 21)]  # the fill goes on under it
    assert fed_run(fill + push + [195, 185] + [180] * 4 + [180 + 3 * k for k in range(30)])[0] == faults.NONE
    assert fed_run(fill + push + [170, 140] + [125] * 4 + [125 + 2 * k for k in range(30)])[0] == faults.SENSOR


def test_a_fill_faster_than_the_last_ones_start_is_no_push():
    # The last fill's bladder unfolded slowly (its first 2 mmHg took 1 s); this one rises six
    # times as fast from the start. Its steps are even, so nothing pushed it: a sensor losing
    # 40 % of its gain at 12 mmHg is SENSOR, not judged from where the fill began.
    rig = Rig()
    assert fed_run([k // 2 for k in range(80)] + [40 + 3 * k for k in range(60)], rig)[0] == faults.NONE
    fill = [3 * k for k in range(40)]
    assert fed_run(fill + [(120 + 3 * k) * 6 // 10 for k in range(40)], rig)[0] == faults.SENSOR


def test_a_sensor_that_loses_gain_as_a_fill_resumes_is_a_sensor_fault():
    # A fill at 10.5 mmHg (20 mmHg/s) pauses while another chamber takes the pump; a tick after its
    # feeding resumes its sensor reads 60 % of the pressure. Most of the step comes while the burst settles
    # (whose dips are no fall), the rest too little for FED_FALL_DMMHG, and the fill rises on from
    # there; fallen past FED_BACK_PCT of where the burst began, it is a fed fall: the pump waits,
    # and it is SENSOR when the reading does not come back.
    rig = Rig()
    for _ in range(40):
        rig.check([0, 0, 0], mode=[VENT] * N, vent=[1] * N)
    fill = dict(mode=[FILL, HOLD, VENT], reached=[0, 1, 0], vent=[0, 0, 1])
    for k in range(22):
        assert rig.check([5 * k, 450, 0], pump=100, inlet=[1, 0, 0], **fill) == faults.NONE
    for _ in range(20):  # chamber 2 topped up for 0.5 s
        assert rig.check([105, 450, 0], pump=50, inlet=[0, 1, 0], **fill) == faults.NONE
    code = faults.NONE
    p = 105
    ticks = 0
    while code == faults.NONE and ticks < 80:
        pump = 0 if rig.lim.hush else 100
        p += 5 * pump // 100
        code = rig.check([p * 6 // 10 if ticks else p, 450, 0], pump=pump, inlet=[1, 0, 0], **fill)
        ticks += 1
    assert code == faults.SENSOR and rig.lim.fault_chamber == 0
    assert ticks * 25 <= limits.HUSH_MS + 200


def test_a_chamber_whose_fills_stray_may_stray_as_far_again():
    # A soft limb with a strong pulse: fills take 8 % less and more in turn (the pulse's phase at
    # the cut, the creep left from the last fill). A fill 10 % over the last's reference is what its
    # fills do: no AIR. One 30 % over is not.
    def strayed(last):
        rig = Rig()
        for k in range(8):
            assert fill_hold_vent(rig, 184 if k % 2 else 200) == faults.NONE
        return fill_hold_vent(rig, last)
    assert strayed(212) == faults.NONE
    assert strayed(250) == faults.AIR
    # Fills that repeat: 10 % more is AIR.
    rig = Rig()
    for _ in range(4):
        assert fill_hold_vent(rig, 200) == faults.NONE
    assert fill_hold_vent(rig, 222) == faults.AIR


def pulse_and_pause(rig, level, pause):
    """Single sensor: chamber 0 fed one pump pulse (the manifold reading `level` and the pump's
    flow), then the pump off, the manifold reading `pause` a tick; the others held (the manifold
    shut but for chamber 0). Returns the first fault."""
    code = faults.NONE
    for _ in range(4):
        code = code or rig.check([level, 0, 0], sensed=[level + 150], mode=[FILL, HOLD, HOLD], reached=[0] * N,
                                 pump=100, inlet=[1, 0, 0], vent=[0, 0, 0])
    for reading in pause:
        code = code or rig.check([reading, 0, 0], sensed=[reading], mode=[FILL, HOLD, HOLD], reached=[0] * N,
                                 inlet=[1, 0, 0], vent=[0, 0, 0])
    return code


def test_a_push_as_the_single_sensors_manifold_settles_is_no_sensor_fault():
    # A movement lifts the chamber 10 mmHg for 0.4 s, from as the manifold settles after a pulse
    # to after it has settled: falling back to where it stood is no fall.
    push = [400 + (0, 20, 38, 56, 71, 83, 92, 98, 100)[8 - abs(8 - k)] for k in range(17)]
    rig = Rig(sensors=1)
    for level in range(240, 400, 20):
        assert pulse_and_pause(rig, level, [level] * 12) == faults.NONE
    assert pulse_and_pause(rig, 400, [400] * 2 + push + [400] * 8) == faults.NONE
    assert pulse_and_pause(rig, 410, [410] * 12) == faults.NONE
    # A sensor losing 40 % of its gain once the manifold has settled falls for good: SENSOR.
    for at in (10, 16):
        rig = Rig(sensors=1)
        for level in range(240, 400, 20):
            assert pulse_and_pause(rig, level, [level] * 12) == faults.NONE
        assert pulse_and_pause(rig, 400, [400] * at + [240] * 12) == faults.SENSOR
