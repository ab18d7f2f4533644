"""What `pulseboot sim` and `pulseboot programs` tell a user: the level the firmware really
uses and why, where a session ended, the peaks of the last full wave, the plot's format, and
the refusals (overlapping presses, one file for trace and plot, a path under a regular file,
a trace too big to write). Every run is on virtual time."""
import dataclasses
import json
import os
import tempfile

import pytest
from pulseboot import cli, fw
from pulseboot import run as simulation
from pulseboot.cli import sim as sim_cli
from pulseboot.plant import PRESETS
from pulseboot.report.trace import read_trace

BOARDS = fw.board_names()
RECOVERY = fw.programs.find("recovery")
SESSION_RANGE = f"{fw.limits.SESSION_MIN_MIN} to {fw.limits.SESSION_MAX_MIN}"


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def summary_of(capsys, *args):
    code, out, err = run(capsys, "sim", "--summary", *args)
    assert code == 0, err
    return json.loads(out.splitlines()[-1])


def assert_one_line_error(code, out, err, *needles):
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("pulseboot") and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# ---- the level the firmware really uses ---------------------------------------------


@pytest.mark.parametrize("shell", ["device", "core"])
def test_a_level_the_sensors_cannot_watch_is_reported_lowered(capsys, shell):
    summary = summary_of(capsys, "--program", "recovery", "--level", 60, "--duration", 30, "--shell", shell)
    assert summary["level_requested_mmhg"] == 60
    assert summary["level_mmhg"] == 55  # the HX710B's span less this plant's zero offset and the margin
    assert summary["level_lowered_by"] == "sensor range"
    assert summary["targets_mmhg"] == [55.0] * 4


def test_lowered_gradient_level_and_its_targets(capsys):
    summary = summary_of(capsys, "--level", 80, "--duration", 30, "--shell", "core")
    assert (summary["level_requested_mmhg"], summary["level_mmhg"]) == (80, 55)
    assert summary["targets_mmhg"] == [55.0, 48.9, 42.8, 36.6]
    code, out, _ = run(capsys, "sim", "--level", 80, "--duration", 30, "--shell", "core")
    assert code == 0
    assert "level 80 lowered to 55: sensor range" in out


def test_a_level_within_range_is_not_lowered(capsys):
    summary = summary_of(capsys, "--level", 50, "--duration", 30, "--shell", "core")
    assert summary["level_requested_mmhg"] == summary["level_mmhg"] == 50
    assert summary["level_lowered_by"] is None
    code, out, _ = run(capsys, "sim", "--level", 50, "--duration", 30, "--shell", "core")
    assert code == 0
    assert "lowered" not in out and "level 50 mmHg" in out


@pytest.mark.parametrize("board", BOARDS)
def test_programs_shows_the_level_and_targets_the_board_runs(capsys, board):
    code, out, _ = run(capsys, "programs", "--json", "--board", board)
    assert code == 0
    listing = json.loads(out)
    zero_offset = dataclasses.replace(PRESETS["small-leg"], sensor_offset_mmhg=0.0)
    for p in listing["programs"]:
        if not p["runs_on_board"]:
            continue
        # What the listing promises is what the firmware runs with sensors that read zero at rest.
        ran = simulation.simulate(board_def=fw.load_board(board), program=p["name"], duration_s=30,
                                  params=zero_offset)
        assert ran["targets_mmhg"] == p["targets_mmhg"], p["name"]
        assert ran["level_mmhg"] == p["level_mmhg"] == p["targets_mmhg"][0]
        lowered = p["level_mmhg"] < p["level_default_mmhg"]
        assert p["level_lowered_by"] == ("sensor range" if lowered else None)
    recovery = listing["programs"][RECOVERY]
    if fw.load_board(board).get("sensor") == "analog":
        # Calibrated, as the simulator runs it, its sensors watch recovery's 70 mmHg; the text
        # says where the levels stay until it is calibrated (where the HX710B boards have them).
        assert recovery["runs_on_board"] and recovery["level_default_mmhg"] == recovery["level_mmhg"] == 70
        assert recovery["level_lowered_by"] is None
        code, out, _ = run(capsys, "programs", "--board", board)
        assert "level 70 (settable 30..120); targets 70 70 70 70" in out and "lowered" not in out
        assert "sensors calibrated" in out and "until then, levels above 60 run at 60" in out
    elif recovery["runs_on_board"]:
        assert recovery["level_default_mmhg"] == 70 and recovery["level_mmhg"] < 70
        code, out, _ = run(capsys, "programs", "--board", board)
        assert f"level 70 lowered to {recovery['level_mmhg']:g}: sensor range" in out
        assert f"targets {' '.join(['%g' % recovery['level_mmhg']] * recovery['chambers'])}" in out


# ---- programs a board cannot run -----------------------------------------------------


@pytest.mark.parametrize("board", BOARDS)
def test_programs_lists_what_sim_runs_and_says_why_for_the_rest(capsys, board):
    code, out, _ = run(capsys, "programs", "--json", "--board", board)
    listing = json.loads(out)
    for p in listing["programs"]:
        code, out, err = run(capsys, "sim", "--board", board, "--program", p["name"], "--duration", 5,
                             "--shell", "core", "--summary")
        if p["runs_on_board"]:
            assert code == 0 and p["why_not"] is None, err
        else:
            assert_one_line_error(code, out, err, p["why_not"])


def test_manifold_board_marks_recovery_with_the_reason(capsys):
    code, out, _ = run(capsys, "programs", "--board", "esp32-devkitc-4ch-manifold")
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("recovery "))
    assert "cannot run on this board" in lines[at + 1] and "vent valve on every chamber" in lines[at + 1]


# ---- where the session ended ---------------------------------------------------------


@pytest.mark.parametrize("shell", ["device", "core"])
def test_session_min_ends_the_session_and_says_so(capsys, shell):
    summary = summary_of(capsys, "--session-min", 5, "--duration", 400, "--shell", shell)
    assert summary["session_min"] == 5
    [end] = summary["session_ends"]
    assert end["reason"] == "time up"
    assert 300_000 <= end["t_ms"] <= 305_000  # 5 min of running, which starts once zeroed
    assert summary["state"] == "IDLE"


def test_default_session_ends_after_30_minutes_in_a_longer_run(capsys):
    code, out, _ = run(capsys, "sim", "--duration", 2400, "--shell", "core")
    assert code == 0
    assert "session length 30 min" in out
    # START is pressed at 0: the session runs once zeroed (three 1 s windows that agree).
    assert "session ended at 1803.0 s (30.0 min): time up" in out
    assert "idle from then to the end of the run at 2400.0 s" in out


def test_a_long_start_is_a_session_end_too(capsys):
    summary = summary_of(capsys, "--press", "start@0", "--press", "start@20:long", "--duration", 40,
                         "--shell", "core")
    assert [e["reason"] for e in summary["session_ends"]] == ["long START"]
    assert 21_000 <= summary["session_ends"][0]["t_ms"] <= 22_000  # held 1.5 s


def test_a_wave_cut_short_by_the_session_end_is_not_the_last_full_wave(capsys):
    args = ("--program", "recovery", "--session-min", 5, "--duration", 400, "--shell", "core")
    summary = summary_of(capsys, *args)
    assert summary["session_ends"][0]["reason"] == "time up"
    peaks = summary["peaks_mmhg"]
    assert all(abs(p - t) <= 3 for p, t in zip(peaks, summary["targets_mmhg"], strict=True)), peaks
    code, out, _ = run(capsys, "sim", *args)
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [float(r[2]) for r in rows] == peaks


def test_level_and_session_end_are_the_same_from_inside_the_micropython_vm(capsys):
    args = ("--program", "recovery", "--level", 80, "--session-min", 5, "--duration", 400)
    summaries = [summary_of(capsys, *args, "--vm", vm) for vm in simulation.VMS]
    for summary in summaries:
        del summary["wall_s"]
    assert summaries[0] == summaries[1]
    assert summaries[1]["level_mmhg"] == 55 and summaries[1]["session_ends"][0]["reason"] == "time up"


@pytest.mark.parametrize("value", ["4", "91", "0", "x", "30.5", ""])
def test_session_min_out_of_range_is_one_line(capsys, value):
    assert_one_line_error(*run(capsys, "sim", "--session-min", value), f"--session-min {value!r}",
                          SESSION_RANGE)


def test_session_min_needs_a_value(capsys):
    assert_one_line_error(*run(capsys, "sim", "--session-min"), "--session-min needs a value", SESSION_RANGE)


def test_plot_marks_the_session_end(capsys, tmp_path):
    path = tmp_path / "s.svg"
    code, _, _ = run(capsys, "sim", "--session-min", 5, "--duration", 400, "--shell", "core", "--plot", path)
    assert code == 0
    svg = path.read_text()
    assert "session end: time up" in svg  # matplotlib keeps each text as a comment beside its glyphs
    assert "session ended at 303.0 s: time up" in svg  # (the session starts once zeroed, at 3 s)


# ---- the summary's peaks -------------------------------------------------------------


def test_summary_has_the_peaks_of_the_last_full_wave_as_the_text_report(capsys):
    summary = summary_of(capsys, "--duration", 120)
    code, out, _ = run(capsys, "sim", "--duration", 120)
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert summary["peaks_mmhg"] == [float(r[2]) for r in rows]
    assert all(abs(p - t) <= 3 for p, t in zip(summary["peaks_mmhg"], summary["targets_mmhg"], strict=True))


def test_summary_peaks_are_null_without_a_full_wave(capsys):
    assert summary_of(capsys, "--duration", 10, "--shell", "core")["peaks_mmhg"] is None


# ---- plot format, and one file for two outputs ---------------------------------------

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


@pytest.mark.parametrize("name", ["p.png", "p.svg", "p.pdf", "P.SVG"])
def test_plot_format_follows_the_extension(capsys, tmp_path, name):
    path = tmp_path / name
    assert run(capsys, "sim", "--duration", 20, "--shell", "core", "--plot", path)[0] == 0
    data = path.read_bytes()
    assert data.startswith(MAGIC[name.rsplit(".", 1)[1].lower()])
    if name.lower().endswith(".svg"):
        assert b"<svg" in data[:1000]


@pytest.mark.parametrize("name", ["p.jpg", "p", "p.png.txt"])
def test_unknown_plot_format_is_refused_before_anything_is_written(capsys, tmp_path, name):
    path = tmp_path / name
    assert_one_line_error(*run(capsys, "sim", "--plot", path), f"--plot '{path}'", ".png", ".svg", ".pdf")
    assert not path.exists()


def test_trace_and_plot_on_one_file_is_refused(capsys, tmp_path):
    path = tmp_path / "both.png"
    path.write_text("my notes\n")
    assert_one_line_error(*run(capsys, "sim", "--trace", path, "--plot", path), "same file")
    os.symlink(path, tmp_path / "link.png")
    assert_one_line_error(*run(capsys, "sim", "--trace", tmp_path / "link.png", "--plot", path), "same file")
    assert path.read_text() == "my notes\n"


# ---- a path under a regular file -----------------------------------------------------


@pytest.mark.parametrize("flag,name", [("--trace", "x.csv"), ("--plot", "x.png")])
def test_a_path_under_a_regular_file_says_not_a_directory(capsys, tmp_path, flag, name):
    notes = tmp_path / "README.md"
    notes.write_text("mine\n")
    for path in (notes / name, notes / "deeper" / name):
        code, out, err = run(capsys, "sim", flag, path)
        assert_one_line_error(code, out, err, f"{flag} '{path}'", "Not a directory", str(notes))
        assert "File exists" not in err
    assert notes.read_text() == "mine\n"


# ---- overlapping presses -------------------------------------------------------------


@pytest.mark.parametrize("presses", [
    ("start@1:long", "start@2"),  # pressed again while still held
    ("start@2", "start@1:long"),  # the same, given the other way round
    ("up@3", "up@3.1"),  # a tap lasts 0.15 s
    ("up@3", "up@3.17"),  # released, but for less than the firmware's debounce
    ("mode@4", "mode@4"),
])
def test_overlapping_presses_of_one_button_are_refused(capsys, presses):
    args = [a for p in presses for a in ("--press", p)]
    code, out, err = run(capsys, "sim", *args)
    assert_one_line_error(code, out, err, "overlaps", repr(presses[0]), repr(presses[1]))


def test_presses_far_enough_apart_reach_the_firmware_as_two(capsys, tmp_path):
    # Released for exactly the shortest gap that is accepted: START starts, then pauses.
    gap_s = simulation.scenario.RELEASE_MS / 1000
    second = 5 + simulation.scenario.TAP_MS / 1000 + gap_s
    path = tmp_path / "t.csv"
    code, _, err = run(capsys, "sim", "--press", "start@5", "--press", f"start@{second:g}", "--duration", 8,
                       "--shell", "core", "--trace", path)
    assert code == 0, err
    states = read_trace(path)["state"]
    assert "RUNNING" in states and states[-1] == "PAUSED"


def test_different_buttons_may_be_pressed_together(capsys):
    summary = summary_of(capsys, "--press", "start@0:long", "--press", "mode@0.5", "--duration", 5,
                         "--shell", "core")
    assert summary["sim_s"] == 5


def test_simulate_refuses_overlapping_presses_too():
    presses = [simulation.Press("start", 1000, True), simulation.Press("start", 2000, False)]
    with pytest.raises(ValueError, match="overlap"):
        simulation.simulate(duration_s=5, presses=presses, shell="core")


# ---- the trace's size ----------------------------------------------------------------


def test_a_big_trace_is_announced_with_its_size_before_the_run(capsys, tmp_path, monkeypatch):
    def stop(**kw):
        raise ValueError("stopped before the run")

    monkeypatch.setattr(simulation, "simulate", stop)
    path = tmp_path / "day.csv"
    _, _, err = run(capsys, "sim", "--board", "esp32s3-8ch", "--duration", 86400, "--trace", path)
    first = err.splitlines()[0]
    assert first.startswith(f"pulseboot sim: the trace {path} will be about ") and " MB (" in first
    assert "3,456,001 rows" in first
    megabytes = float(first.split("about ")[1].split(" MB")[0])
    assert 400 < megabytes < 600  # about 150 bytes a row on eight chambers


def test_the_size_estimate_is_close_to_the_trace_written(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sim_cli, "TRACE_NOTE_BYTES", 0)  # announce any trace
    path = tmp_path / "t.csv"
    code, _, err = run(capsys, "sim", "--duration", 300, "--shell", "core", "--trace", path)
    assert code == 0
    said = err.split("about ")[1].split(" (")[0]
    value, unit = said.split()
    expected = float(value) * {"kB": 1e3, "MB": 1e6}[unit]
    assert 0.9 <= expected / path.stat().st_size <= 1.25


def test_a_small_trace_is_not_announced(capsys, tmp_path):
    code, _, err = run(capsys, "sim", "--duration", 30, "--shell", "core", "--trace", tmp_path / "t.csv")
    assert code == 0 and err == ""


def test_a_trace_above_the_limit_is_refused_before_anything_is_written(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sim_cli, "MAX_TRACE_BYTES", 100_000)
    path = tmp_path / "sub" / "t.csv"
    assert_one_line_error(*run(capsys, "sim", "--duration", 120, "--trace", path), f"--trace '{path}'",
                          "limit", "--duration <=")
    assert not path.parent.exists()


def test_a_trace_the_disk_cannot_hold_is_refused(capsys, tmp_path, monkeypatch):
    real = sim_cli.shutil.disk_usage
    monkeypatch.setattr(sim_cli.shutil, "disk_usage", lambda p: real(p)._replace(free=10_000))
    path = tmp_path / "t.csv"
    assert_one_line_error(*run(capsys, "sim", "--duration", 120, "--trace", path), "free")
    assert not path.exists()


# ---- nothing left behind ---------------------------------------------------------------


@pytest.mark.parametrize("shell", ["device", "core"])
def test_a_sim_run_leaves_nothing_in_the_temp_directory(capsys, tmp_path, monkeypatch, shell):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert tempfile.gettempdir() == str(scratch)
    out = tmp_path / "out"
    code, _, err = run(capsys, "sim", "--duration", 30, "--shell", shell, "--trace", out / "t.csv", "--plot",
                       out / "p.png")
    assert code == 0, err
    assert os.listdir(scratch) == []
    assert sorted(os.listdir(out)) == ["p.png", "t.csv"]


# ---- the README says it ------------------------------------------------------------------


def test_readme_documents_every_summary_key_and_the_new_options():
    readme = (fw.ROOT / "README.md").read_text()
    summary = dict(simulation.simulate(duration_s=5, shell="core"), peaks_mmhg=None, wall_s=0)
    for key in summary:
        assert f"`{key}`" in readme, key
    for text in ("--session-min N", f"{fw.limits.SESSION_MIN_MIN}-{fw.limits.SESSION_MAX_MIN}",
                 ".svg", ".pdf", "50 MB", "2 GB", "sensor range", "session end"):
        assert text in readme, text
