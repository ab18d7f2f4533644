"""Settings on flash, on the device side: the unmodified firmware/main.py on the simulated
plant (tools/pulseboot/run/device_shell.py) with settings files pre-loaded on the simulated flash.
Outcomes are read where a user would see them: chamber pressures from the plant, the
LED pin, the console, and the files left on flash."""
import json
import os
import pathlib
import sys

import pytest
from pulseboot import docs, fw, run
from pulseboot.plant import analog
from pulseboot.run import device_shell
from pulseboot.report.analysis import Recorder

import led
from controller import Controller
from settings_io import SettingsKeeper

BOARD = fw.DEFAULT_BOARD
P = fw.programs
GRADIENT = P.find("gradient")
RECOVERY = P.find("recovery")
DEFAULT_LEVELS = [p[P.LEVEL_DEFAULT] for p in P.PROGRAMS]
RECOVERY_AT_60 = [600 if i == RECOVERY else v for i, v in enumerate(DEFAULT_LEVELS)]  # saved(): the rest default
SETTINGS = "settings.json"
RESET_LINE = "settings reset:"
TICK = 25


def can_run(board, program):
    return Controller(fw.load_board(board), lambda a, b: a - b).can_run(program)


RECOVERY_BOARDS = [b for b in fw.board_names() if can_run(b, RECOVERY)]
GRADIENT_ONLY_BOARDS = [b for b in fw.board_names() if not can_run(b, RECOVERY)]


def saved(program="recovery", gradient=45, recovery=60, session_min=30):
    return json.dumps({"program": program, "levels_mmhg": {"gradient": gradient, "recovery": recovery},
                       "session_min": session_min})


class Watch:
    """on_tick: the trace rows, plus the LED pin level and the flash listing at each tick."""

    def __init__(self, board=BOARD, targets=None, flash=None):
        self.led_pin = fw.load_board(board)["led_pin"]
        self.rec = Recorder()
        self.flash = flash
        self.t = []
        self.state = []
        self.led = []
        self.files = []

    def __call__(self, row):
        self.rec(row)
        self.t.append(row[0])
        self.state.append(row[1])
        # During run_sil `machine` is the fake backed by the simulated board: read the pin.
        self.led.append(sys.modules["machine"].Pin(self.led_pin).value())
        if self.flash is not None:
            self.files.append(set(os.listdir(self.flash)))


def notice_levels(ticks):
    """The LED level at each 25 ms tick of the settings-reset pattern (from led.py's data)."""
    segments = led.SETTINGS_RESET
    period = sum(segments)
    out = []
    for k in range(ticks):
        t = (k * TICK) % period
        level = 0
        for i in range(0, len(segments), 2):
            if t < segments[i]:
                level = 1
                break
            t -= segments[i] + segments[i + 1]
            if t < 0:
                break
        out.append(level)
    return out


NOTICE_TICKS = led.SETTINGS_RESET_MS // TICK


def flash_with(tmp_path, files):
    flash = tmp_path / "flash"
    flash.mkdir()
    for name, content in files.items():
        if isinstance(content, bytes):
            (flash / name).write_bytes(content)
        else:
            (flash / name).write_text(content)
    return flash


def listing(flash):
    """Every file on the simulated flash but board.txt (run_sil writes that one)."""
    return {p.name: p.read_bytes() for p in pathlib.Path(flash).iterdir() if p.is_file() and p.name != "board.txt"}


def builder_files(result):
    """What run_device put on the flash beside board.txt before the firmware started, as the
    builder would have: an analog build's calibration file (the plant's own sensors); none
    otherwise. The firmware only reads it."""
    return {name: text.encode() for name, text in analog.flash_files(result["recorder"].plant).items()}


# ---- the saved settings are what runs ------------------------------------------------------


@pytest.mark.parametrize("board", RECOVERY_BOARDS)
def test_saved_recovery_program_at_50_mmhg_is_what_runs_after_boot(board, tmp_path, capsys):
    # 50 mmHg: inside what the HX710B can read on every board whatever its zero offset.
    n = fw.load_board(board)["chambers"]
    flash = flash_with(tmp_path, {SETTINGS: saved("recovery", 45, 50, 20)})
    before = listing(flash)
    watch = Watch(board, [50.0] * n)
    duration = 20_000 + n * 15_000  # two recovery waves and their rests
    result = device_shell.run_device(board, seed=2, duration_ms=duration, on_tick=watch, flash_dir=flash)
    assert result["ended"] == "duration" and result["faults"] == []
    ctrl = result["ctrl"]
    assert (ctrl.program, ctrl.levels[RECOVERY], ctrl.session_ms) == (RECOVERY, 500, 20 * 60_000)
    cycles = watch.rec.complete_cycles()
    assert len(cycles) >= 2
    for c in cycles[1:]:  # the regulator learns its cut-off in the first cycle
        for i in range(n):
            assert abs(c.peak[i] - 50.0) <= 3.0, (i, c.peak)  # not the program's 70 mmHg default
    assert watch.rec.max_mmhg < 56.0
    assert RESET_LINE not in capsys.readouterr().out
    assert watch.led[:NOTICE_TICKS] != notice_levels(NOTICE_TICKS)  # no settings-reset indication
    assert listing(flash) == dict(before, **builder_files(result))  # nothing written at boot or during the session


# ---- every way the file can be wrong: safe defaults, shown, file kept ----------------------

CORRUPT = {
    # case: (files on flash, program expected, levels expected in dmmHg)
    "missing": ({}, GRADIENT, DEFAULT_LEVELS),
    "empty": ({SETTINGS: ""}, GRADIENT, DEFAULT_LEVELS),
    "truncated": ({SETTINGS: saved()[:25]}, GRADIENT, DEFAULT_LEVELS),
    "malformed-json": ({SETTINGS: "{program: recovery, levels_mmhg: {recovery: 60}}"}, GRADIENT, DEFAULT_LEVELS),
    "not-an-object": ({SETTINGS: "[1, 2, 3]"}, GRADIENT, DEFAULT_LEVELS),
    "binary-garbage": ({SETTINGS: bytes(range(256)) * 4}, GRADIENT, DEFAULT_LEVELS),
    "level-out-of-range": ({SETTINGS: saved("gradient", 500, 60)}, GRADIENT, RECOVERY_AT_60),
    "level-below-range": ({SETTINGS: saved("gradient", 10, 60)}, GRADIENT, RECOVERY_AT_60),
    "level-not-an-integer": ({SETTINGS: saved("gradient", 47.5, 60)}, GRADIENT, RECOVERY_AT_60),
    "unknown-program": ({SETTINGS: saved("turbo", 45, 60)}, GRADIENT, RECOVERY_AT_60),
    "session-out-of-range": ({SETTINGS: saved("gradient", 45, 70, 900)}, GRADIENT, DEFAULT_LEVELS),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_a_bad_settings_file_boots_on_safe_defaults_shows_it_and_is_left_untouched(case, tmp_path, capsys):
    files, program, levels = CORRUPT[case]
    flash = flash_with(tmp_path, files)
    before = listing(flash)
    watch = Watch()
    result = device_shell.run_device(BOARD, duration_ms=12_000, on_tick=watch, flash_dir=flash)
    assert result["ended"] == "duration" and result["faults"] == [] and result["crash_log"] == ""
    ctrl = result["ctrl"]
    assert ctrl.program == program and ctrl.levels == levels
    assert ctrl.session_ms == fw.limits.SESSION_DEFAULT_MIN * 60_000 or case != "session-out-of-range"
    # Visible: the settings-reset pattern on the LED pin from the first tick, then the normal one.
    assert watch.led[:NOTICE_TICKS] == notice_levels(NOTICE_TICKS)
    assert all(watch.led[NOTICE_TICKS + 10:NOTICE_TICKS + 40])  # then RUNNING's steady light
    out = capsys.readouterr().out
    assert out.count(RESET_LINE) == 1, out
    # The session still runs (START at 0), on the defaults.
    assert "RUNNING" in watch.state and watch.rec.max_mmhg > 20.0
    # Nothing on flash changed: no repair, no backup, no temporary file.
    assert listing(flash) == before


def test_the_indication_is_distinct_from_every_other_led_pattern():
    seg = led.SETTINGS_RESET
    assert led.SETTINGS_RESET_MS >= 3000  # a few seconds: long enough to be noticed
    assert all(seg != p for p in led.PATTERNS)
    ons = seg[0::2]
    assert max(ons) >= 500 and sorted(ons)[0] < 200  # a long flash and short ones: unlike any state
    for code in range(1, len(fw.faults.NAMES)):
        assert seg != docs.fault_segments(code)


@pytest.mark.parametrize("board", GRADIENT_ONLY_BOARDS)
def test_a_saved_program_the_board_cannot_run_boots_on_one_it_can(board, tmp_path, capsys):
    # Boards without a vent valve per chamber (no distal release); the same rule is tested
    # on the controller alone, for any topology, in host_tests/core/test_settings_io.py.
    flash = flash_with(tmp_path, {SETTINGS: saved("recovery")})
    before = listing(flash)
    watch = Watch(board)
    result = device_shell.run_device(board, duration_ms=8_000, on_tick=watch, flash_dir=flash)
    assert result["ctrl"].program == GRADIENT
    assert watch.led[:NOTICE_TICKS] == notice_levels(NOTICE_TICKS)
    assert "cannot run on this board" in capsys.readouterr().out
    assert listing(flash) == before


# ---- changes are saved: after a quiet delay, never mid-wave, and survive a reboot ----------


def first_tick_with(watch, name):
    return next((i for i, files in enumerate(watch.files) if name in files), None)


def test_a_level_changed_with_up_is_saved_after_the_delay_and_survives_a_reboot(tmp_path, capsys):
    flash = flash_with(tmp_path, {})
    up_ms = 4_000  # idle by then: zeroing takes about 2 s
    watch = Watch(flash=flash)
    result = device_shell.run_device(BOARD, duration_ms=15_000, on_tick=watch, flash_dir=flash,
                         presses=[run.Press("up", up_ms, False)])
    assert result["ctrl"].levels[GRADIENT] == DEFAULT_LEVELS[GRADIENT] + 50
    i = first_tick_with(watch, SETTINGS)
    assert i is not None, "never saved"
    delay = SettingsKeeper.delay_ms
    assert up_ms + delay <= watch.t[i] <= up_ms + delay + 500  # once, after the quiet time
    assert watch.state[i] == "IDLE"
    assert all(f == {"board.txt"} for f in watch.files[:i])  # nothing written before
    on_flash = json.loads((flash / SETTINGS).read_text())
    assert on_flash == {"program": "gradient", "session_min": 30,
                        "levels_mmhg": {"gradient": 50, "recovery": 70, "wave": 50, "lymph": 50, "boost": 70}}
    assert not (flash / (SETTINGS + ".tmp")).exists()
    capsys.readouterr()

    # Power off and on: the saved level is what runs, with no settings-reset indication.
    n = 4
    targets = [0] * n
    P.fill_targets(GRADIENT, n, 500, targets)
    watch = Watch(targets=[t / 10 for t in targets])
    text = (flash / SETTINGS).read_text()
    result = device_shell.run_device(BOARD, seed=3, duration_ms=130_000, on_tick=watch, flash_dir=flash)
    assert result["ctrl"].levels[GRADIENT] == 500 and result["faults"] == []
    assert RESET_LINE not in capsys.readouterr().out
    cycles = watch.rec.complete_cycles()
    assert len(cycles) >= 2
    for i in range(n):
        assert abs(cycles[-1].peak[i] - targets[i] / 10) <= 3.0, (i, cycles[-1].peak)
    assert (flash / SETTINGS).read_text() == text  # unchanged settings are not rewritten


def test_a_change_while_running_is_saved_only_once_the_wave_is_paused(tmp_path):
    flash = flash_with(tmp_path, {SETTINGS: saved("gradient", 45, 70)})
    watch = Watch(flash=flash)
    presses = [run.Press("start", 0, False), run.Press("up", 10_000, False), run.Press("start", 40_000, False)]
    result = device_shell.run_device(BOARD, duration_ms=50_000, on_tick=watch, flash_dir=flash, presses=presses)
    assert result["faults"] == []
    i = first_tick_with(watch, SETTINGS + ".bak")  # the save keeps the previous file as .bak
    assert i is not None, "never saved"
    assert watch.state[i] == "PAUSED" and 40_000 <= watch.t[i] <= 40_500  # quiet long since: saved on pause
    assert all(s == "RUNNING" for s in watch.state[watch.t.index(10_500):watch.t.index(40_000)])
    assert json.loads((flash / SETTINGS).read_text())["levels_mmhg"]["gradient"] == 50
    assert json.loads((flash / (SETTINGS + ".bak")).read_text())["levels_mmhg"]["gradient"] == 45


def test_mode_then_back_within_the_delay_writes_nothing(tmp_path):
    flash = flash_with(tmp_path, {SETTINGS: saved("gradient", 45, 70)})
    before = listing(flash)
    # recovery, wave, lymph, boost, then gradient again: all five within the delay
    presses = [run.Press("mode", 4_000 + k * 700, False) for k in range(P.BUILT_IN)]
    assert presses[-1].at_ms - presses[0].at_ms < SettingsKeeper.delay_ms
    result = device_shell.run_device(BOARD, duration_ms=15_000, flash_dir=flash, presses=presses)
    assert result["ctrl"].program == GRADIENT
    assert listing(flash) == before


def test_a_failing_write_is_reported_and_never_stops_the_loop(tmp_path, capsys):
    flash = flash_with(tmp_path, {})
    (flash / (SETTINGS + ".tmp")).mkdir()  # opening the temporary file for writing fails (OSError)
    watch = Watch(targets=None)
    presses = [run.Press("up", 3_000, False), run.Press("start", 12_000, False)]
    result = device_shell.run_device(BOARD, duration_ms=40_000, on_tick=watch, flash_dir=flash, presses=presses)
    assert result["ended"] == "duration" and result["crash_log"] == "" and result["faults"] == []
    out = capsys.readouterr().out
    assert "settings not saved" in out
    assert watch.state[-1] == "RUNNING" and watch.rec.max_mmhg > 30.0  # the session went on
    assert result["ctrl"].levels[GRADIENT] == DEFAULT_LEVELS[GRADIENT] + 50
    assert not (flash / SETTINGS).exists()


# ---- a write cut off by a reset never loses the previous settings --------------------------


def test_a_truncated_temporary_file_from_a_cut_write_does_not_lose_the_saved_settings(tmp_path, capsys):
    good = saved("recovery", 45, 60)
    flash = flash_with(tmp_path, {SETTINGS: good, SETTINGS + ".tmp": saved("gradient", 50, 70)[:30]})
    watch = Watch()
    result = device_shell.run_device(BOARD, duration_ms=8_000, on_tick=watch, flash_dir=flash)
    ctrl = result["ctrl"]
    assert (ctrl.program, ctrl.levels[RECOVERY]) == (RECOVERY, 600)
    assert RESET_LINE not in capsys.readouterr().out
    assert watch.led[:NOTICE_TICKS] != notice_levels(NOTICE_TICKS)
    assert (flash / SETTINGS).read_text() == good


def test_a_reset_between_the_renames_falls_back_to_the_backup_and_the_next_save_repairs(tmp_path, capsys):
    # Cut after the old file became .bak and before the new one took its name.
    flash = flash_with(tmp_path, {SETTINGS + ".bak": saved("recovery", 45, 60), SETTINGS + ".tmp": saved()[:30]})
    watch = Watch()
    presses = [run.Press("down", 4_000, False)]
    result = device_shell.run_device(BOARD, duration_ms=12_000, on_tick=watch, flash_dir=flash, presses=presses)
    ctrl = result["ctrl"]
    assert ctrl.program == RECOVERY and ctrl.levels[RECOVERY] == 550  # the backup's 60, then DOWN
    assert RESET_LINE in capsys.readouterr().out  # the main file was missing: shown
    assert json.loads((flash / SETTINGS).read_text())["levels_mmhg"]["recovery"] == 55
    assert not (flash / (SETTINGS + ".tmp")).exists()
