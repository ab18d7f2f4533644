"""The controller on a limb that behaves like one (issue: creep, coupling, pulse, movement).

The firmware runs on the control core against the plant with the whole limb model on
(plant.LIMB_PRESETS), its figures drawn across the published ranges: tissue creep's time
constant 2-6 s, the limb's compliance (the volume it gives) x0.5 to x3, coupling 0-6 mmHg, the
wearer's pulse 0-3 mmHg. Every run must hold what a user is promised: no trip, no chamber's
pressure above its target and the margin (judged on the pulse-free part, as a movement of the
wearer's own is no act of the device's), and every wave filling from the distal end up.
Long sessions on every preset, program, board and five seeds are `pulseboot bench --limb`.
"""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulseboot import fw, run
from pulseboot.plant import LIMB_PRESETS, LIMB_RANGES, drawn_limb
from pulseboot.report.steady import SteadyPeaks
from pulseboot.run.scenario import check_program_fits

MARGIN_MMHG = fw.limits.TRIP_MARGIN_DMMHG / 10
SECONDS = 240  # three to five waves of every program, the first two learning the limb


def _cases():
    out = []
    for board in fw.board_names():
        board_def = fw.load_board(board)
        for program in fw.programs.NAMES:
            try:
                check_program_fits(board_def, fw.programs.find(program))
            except ValueError:
                continue
            out.append((board, program))
    return out


class Waves(SteadyPeaks):
    """SteadyPeaks, and when each chamber's fill began in each wave: a wave begins when the distal
    chamber (0) is fed after it was vented; a program's clearing pulses before it (proximal
    chambers first, by design) belong to no wave."""

    def __init__(self):
        super().__init__()
        self.order = []  # per wave: the tick each chamber's fill began (None: not filled)
        self._began = None
        self._vented = True

    def __call__(self, row):
        t, _state, _program, _fault, pump, p, _s, inlet, vent = row
        if pump and inlet[0] and self._vented:
            self._began = [None] * len(inlet)
            self.order.append(self._began)
        self._vented = vent[0] and p[0] < 3.0
        if pump and self._began is not None:
            for i, open_ in enumerate(inlet):
                if open_ and self._began[i] is None:
                    self._began[i] = t
        super().__call__(row)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(_cases()), plant=st.sampled_from(sorted(LIMB_PRESETS)),
       tau_s=st.floats(*LIMB_RANGES["creep_tau_s"]), compliance=st.floats(*LIMB_RANGES["compliance"]),
       coupling_mmhg=st.floats(*LIMB_RANGES["coupling_mmhg"]), pulse_mmhg=st.floats(*LIMB_RANGES["pulse_mmhg"]),
       seed=st.integers(0, 10_000))
def test_the_controller_holds_on_any_limb_in_the_published_ranges(case, plant, tau_s, compliance, coupling_mmhg,
                                                                    pulse_mmhg, seed):
    board, program = case
    board_def = fw.load_board(board)
    waves = Waves()
    summary = run.simulate(board=board, program=program, params=drawn_limb(plant, tau_s, compliance, coupling_mmhg,
                                                                     pulse_mmhg),
                           seed=seed, duration_s=SECONDS, on_tick=waves, shell="core", board_def=board_def)
    assert summary["faults"] == [], summary["faults"]
    targets = summary["targets_mmhg"]
    assert len(waves.waves) >= 2
    for wave in waves.waves:
        for i, peak in enumerate(wave):
            assert peak <= targets[i] + MARGIN_MMHG, (i, peak, targets[i])
    full = [began for began in waves.order if all(b is not None for b in began)]
    assert full, waves.order
    for began in full:
        assert began == sorted(began), began  # distal (chamber 0) first, each above it after


class _StubPlant:
    moving = False


def test_the_judge_marks_the_peaks_a_movement_came_under():
    # Chamber 0 is held while the wearer moves; chamber 1 is still vented then: only chamber 0's
    # peak of that wave is marked, and the next wave, with no movement, is marked nowhere.
    plant = _StubPlant()
    judge = SteadyPeaks()
    judge.bind(plant)
    t = 0

    def tick(p, inlet, vent, pump=100):
        nonlocal t
        judge((t, "RUNNING", "gradient", "", pump, p, p, inlet, vent))
        t += 25

    for wave in range(2):
        for _ in range(40):
            tick([40.0, 0.0], [1, 0], [0, 1])
        plant.moving = wave == 0
        for _ in range(8):
            tick([40.0, 0.0], [0, 0], [0, 1], pump=0)
        plant.moving = False
        for _ in range(40):
            tick([40.0, 30.0], [0, 1], [0, 0])
        for _ in range(40):
            tick([0.0, 0.0], [0, 0], [1, 1], pump=0)
    assert judge.moved == [[True, False], [False, False]]
    assert [round(w[0]) for w in judge.waves] == [40, 40]


def _soft_limb_run(board, program, plant, seed, figures, seconds, presses):
    return run.simulate(board=board, program=program, params=drawn_limb(plant, *figures), seed=seed, duration_s=seconds,
                        presses=presses, shell="core", board_def=fw.load_board(board))


def test_the_garment_check_gives_the_large_legs_calf_its_time():
    # The large leg's calf bladder answers the garment check in twice its ankle's time (some 425 ms
    # against 200 ms). On a soft limb with a pulse it is still given the time (these two draws were
    # refused GARMENT when any chamber after the first had 400 ms at least).
    for board, seed, figures in (("esp32-devkitc-4ch", 7737, (5.0, 2.86, 3.19, 0.66)),
                                 ("esp32-devkitc-4ch-analog", 31, (3.47, 2.89, 2.92, 2.51))):
        summary = _soft_limb_run(board, "gradient", "large-leg", seed, figures, 8, [run.Press("start", 0, False)])
        assert summary["faults"] == [], (board, summary["faults"])


def test_a_soft_arm_with_a_strong_pulse_fills_for_a_session_without_air():
    # Compliance x2.8 and a pulse that swings the hand's chamber 4.5 mmHg: its fills take 8 % less
    # and more in turn (where in the beat the inlet closed). Judged against the fill before alone,
    # one tripped AIR after 706 s; the allowance now grows with how far its fills stray.
    summary = _soft_limb_run("esp32-devkitc-4ch", "wave", "arm", 9430, (5.37, 2.79, 5.54, 2.25), 720,
                             [run.Press("start", 0, False)])
    assert summary["faults"] == []


def test_a_fill_whose_settles_end_in_the_pulses_trough_is_reached_after_one_top_up():
    # A soft small leg with a 2.3 mmHg pulse: the ankle's second fill settled short in
    # the beat's trough, was topped up, settled short again, and so on, beat after beat, until its
    # air passed the last fill's and tripped AIR 56 s in. Topped up once, a fill is now reached
    # within the hold's band (2 mmHg).
    summary = _soft_limb_run("esp32-devkitc-4ch", "wave", "small-leg", 4787, (5.39, 2.45, 1.43, 2.27), 120,
                             [run.Press("start", 0, False)])
    assert summary["faults"] == []


def test_a_soft_arms_first_holds_may_make_good_its_creep():
    # Soft arms whose fills are quick (the creep left for the hold): top-ups took over a third of
    # the fill's air in the first hold, and `LEAK` tripped 11 s and 10 s into it (a first hold may
    # take 35 %, and from 6 s twice what those 6 s took).
    for board, program, seed, figures in (("esp32-devkitc-4ch-analog", "lymph", 238, (5.37, 2.18, 0.5, 0.05)),
                                          ("esp32-devkitc-4ch-analog", "recovery", 11, (4.0, 3.0, 6.0, 3.0))):
        summary = _soft_limb_run(board, program, "arm", seed, figures, 150, [run.Press("start", 0, False)])
        assert summary["faults"] == [], (program, summary["faults"])


def test_a_push_as_the_single_sensors_manifold_settles_is_no_sensor_fault():
    # A movement lifted the manifold as it settled after a pump pulse into the large leg's thigh;
    # settled, it was judged from the pushed level and its fall back read as a sensor come off:
    # SENSOR at 1,575.5 s. Judged from the settle's lowest, the session runs on.
    summary = _soft_limb_run("esp32-devkitc-4ch-manifold", "gradient", "large-leg", 7449, (4.11, 0.92, 1.64, 2.13),
                             1600, [run.Press("start", 0, False)])
    assert summary["faults"] == []
