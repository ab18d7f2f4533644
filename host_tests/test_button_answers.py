"""Button scripts through `pulseboot sim --press` on the device shell (main.py and its drivers on
fake pins): each press's effect on state, program, level and session length, and its answer in
the trace's led and buzzer columns (led.py's ACKS, played once over the state's pattern)."""
import contextlib
import json

import pytest
from pulseboot import cli, docs, fw
from pulseboot.report.trace import read_trace

import controller as fw_controller  # firmware/lib
import led as fw_led

TICK = 25


def sim(tmp_path, *args, board=fw.DEFAULT_BOARD):
    """Run `pulseboot sim` with these arguments; (trace columns, summary)."""
    trace = tmp_path / "t.csv"
    out = tmp_path / "out.txt"
    with open(out, "w") as f, contextlib.redirect_stdout(f):
        code = cli.main(["sim", "--board", board, "--trace", str(trace), "--summary", *map(str, args)])
    assert code == 0
    return read_trace(trace), json.loads(out.read_text().strip().splitlines()[-1])


def answer(code, count=1):
    """The (led, buzzer) levels per tick of the answer with this code, from led.py's data:
    the first pair `count` times, then the rest; both lit together."""
    seg = docs.ack_segments(code)
    seg = seg[:2] * count + seg[2:]
    edges = []  # (from ms, level)
    t = 0
    for ms, level in zip(seg, [1, 0] * len(seg)):
        edges.append((t, level))
        t += ms
    levels = []
    for k in range(-(-t // TICK)):  # sampled at each tick's end, from the tick of the press
        levels.append([lv for at, lv in edges if at <= k * TICK][-1])
    return levels


def played_at(cols, t_ms):
    """The (led, buzzer) columns from the row at t_ms on."""
    i = cols["t_ms"].index(t_ms)
    return cols["led"][i:], cols["buzzer"][i:]


def first_sound(cols, after_ms):
    """The time of the first row after after_ms where the buzzer sounds."""
    for t, b in zip(cols["t_ms"], cols["buzzer"]):
        if t > after_ms and b:
            return t
    raise AssertionError("no sound after %d ms" % after_ms)


def assert_answer(cols, after_ms, code, count=1):
    """The next sound after after_ms is the answer `code`, whole, on the LED and the buzzer."""
    t = first_sound(cols, after_ms)
    want = answer(code, count)
    led, buzz = played_at(cols, t)
    assert list(buzz[:len(want)]) == want, (t, code)
    assert list(led[:len(want)]) == want, (t, code)
    return t


def state_at(cols, t_ms):
    return cols["state"][cols["t_ms"].index(t_ms)]


def test_mode_while_idle_selects_the_next_program_and_blinks_its_number(tmp_path):
    cols, summary = sim(tmp_path, "--duration", 14, "--press", "mode@8", "--press", "mode@10")
    assert summary["program"] == "wave" and summary["state"] == "IDLE"
    t = assert_answer(cols, 8000, fw_controller._ACK_PROGRAM, count=2)  # recovery: the second program
    assert cols["program"][cols["t_ms"].index(t)] == "recovery"
    assert t - 8000 <= 8 * TICK  # answered on release (150 ms tap, 30 ms debounce)
    t = assert_answer(cols, 10000, fw_controller._ACK_PROGRAM, count=3)  # then wave, the third
    assert cols["program"][cols["t_ms"].index(t)] == "wave"
    assert not any(cols["buzzer"][:cols["t_ms"].index(8000)])  # nothing sounds before a press


def test_start_start_long_start_beeps_and_a_long_beep_with_state_changes(tmp_path):
    cols, summary = sim(tmp_path, "--duration", 30, "--press", "start@8", "--press", "start@14",
                        "--press", "start@18", "--press", "start@24:long")
    beep, end = fw_controller._ACK_BEEP, fw_controller._ACK_END
    t = assert_answer(cols, 8000, beep)
    assert state_at(cols, t) == "RUNNING"
    t = assert_answer(cols, 14000, beep)
    assert state_at(cols, t) == "PAUSED"
    t = assert_answer(cols, 18000, beep)
    assert state_at(cols, t) == "RUNNING"
    t = assert_answer(cols, 24000, end)  # the long press stops the session: a long beep
    assert state_at(cols, t) == "IDLE" and 25500 <= t <= 25600  # at 1.5 s held, before release
    assert [e["reason"] for e in summary["session_ends"]] == ["long START"]
    assert summary["state"] == "IDLE"


def test_up_while_running_steps_the_level_and_a_distinct_beep_at_the_end_of_the_range(tmp_path):
    # gradient runs 20-60 mmHg (programs.py), from 45: two steps to 55, the sensors' top on
    # this board (seed 0: zero offsets within a few mmHg), then UP again at the top.
    cols, summary = sim(tmp_path, "--duration", 30, "--press", "start@8", "--press", "up@12",
                        "--press", "up@14", "--press", "up@16")
    beep, end = fw_controller._ACK_BEEP, fw_controller._ACK_END
    assert_answer(cols, 12000, beep)
    assert answer(beep) != answer(end)
    t = assert_answer(cols, 16000, end)
    assert state_at(cols, t) == "RUNNING"
    assert summary["level_requested_mmhg"] == 60.0 and summary["level_mmhg"] == 55.0


def test_a_refused_press_has_its_own_answer_and_changes_nothing(tmp_path):
    cols, summary = sim(tmp_path, "--duration", 20, "--press", "start@8", "--press", "mode@12")
    t = assert_answer(cols, 12000, fw_controller._ACK_REFUSED)  # MODE during a session
    assert state_at(cols, t) == "RUNNING" and summary["program"] == "gradient"
    assert len({tuple(answer(c)) for c in range(1, 5)}) == 4  # beep, end, refused, chime: all distinct


def test_long_mode_while_idle_steps_the_session_length_saved_and_the_session_ends_with_a_chime(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    # Saved 5 min: long MODE steps to 10 (the first step above), blinked once; START runs 10 min.
    cols, summary = sim(tmp_path, "--duration", 700, "--session-min", 5, "--flash-dir", flash,
                        "--press", "mode@8:long", "--press", "start@20")
    t = assert_answer(cols, 8000, fw_controller._ACK_SESSION, count=1)
    assert 9500 <= t <= 9600 and state_at(cols, t) == "IDLE"
    assert json.loads((flash / "settings.json").read_text())["session_min"] == 10  # saved once idle 5 s
    [end] = summary["session_ends"]
    assert end["reason"] == "time up"
    start = next(t for t, s in zip(cols["t_ms"], cols["state"]) if s == "RUNNING")
    assert abs(end["t_ms"] - start - 10 * 60000) <= 2 * TICK
    i = cols["t_ms"].index(end["t_ms"])
    assert "end=time up" in cols["events"][i]
    t = assert_answer(cols, end["t_ms"] - TICK, fw_controller._ACK_CHIME)
    assert t - end["t_ms"] <= TICK
    # Vented: every chamber open to atmosphere and no pump within the chime.
    j = cols["t_ms"].index(t + 1000)
    assert cols["pump"][j] == 0 and all(cols["out%d" % k][j] == 1 for k in range(1, 5))


def test_session_lengths_step_in_order_and_wrap(tmp_path):
    steps = fw_controller.Controller.session_steps_min
    assert all(fw.limits.SESSION_MIN_MIN <= m <= fw.limits.SESSION_MAX_MIN for m in steps)
    presses = []
    for k in range(len(steps) + 1):
        presses += ["--press", "mode@%d:long" % (8 + 5 * k)]  # 5 s apart: each answer whole
    flash = tmp_path / "flash"
    flash.mkdir()
    cols, _ = sim(tmp_path, "--duration", 8 + 5 * (len(steps) + 1) + 7, "--session-min", 30, "--flash-dir", flash,
                  *presses)
    # From 30: 45, 60, then 10, 20, 30, 45: counts 4, 5, 1, 2, 3, 4.
    counts = [4, 5, 1, 2, 3, 4]
    for k, count in enumerate(counts):
        assert_answer(cols, 8000 + 5000 * k, fw_controller._ACK_SESSION, count)
    assert json.loads((flash / "settings.json").read_text())["session_min"] == 45


def test_the_s3_pixel_shows_a_program_in_its_own_colour_and_back_to_amber():
    import led_pixel

    class Strip(list):
        def write(self):
            self.written = tuple(self[0])

    strip = Strip([(0, 0, 0)])
    px = led_pixel.Pixel(strip)
    lamp = fw_led.Led(px.value, None, 1, px.tint)
    seen = set()
    lamp.update(TICK, fw.faults.RUNNING, 0, fw_controller._ACK_PROGRAM | 2 << 4)  # program 2 (recovery)
    for _ in range(80):  # the answer (1.6 s), then running's pattern
        seen.add(strip.written)
        lamp.update(TICK, fw.faults.RUNNING, 0)
    assert px.program_colours[1] in seen
    assert strip.written == px.colour  # the notice over: running's steady amber
    assert len(set(px.program_colours)) == len(px.program_colours) and px.colour not in px.program_colours


@pytest.mark.parametrize("shell", ["device", "core"])
def test_both_shells_write_the_same_answers(tmp_path, shell):
    cols, _ = sim(tmp_path, "--duration", 12, "--shell", shell, "--press", "mode@8")
    assert_answer(cols, 8000, fw_controller._ACK_PROGRAM, count=2)


def test_a_format_2_trace_without_led_and_buzzer_still_reads(tmp_path):
    cols, _ = sim(tmp_path, "--duration", 2)
    assert list(cols)[-2:] == ["led", "buzzer"] and set(cols["led"]) == {0, 1}
    old = tmp_path / "old.csv"
    lines = (tmp_path / "t.csv").read_text().splitlines()
    old.write_text("\n".join(line.rsplit(",", 2)[0] for line in lines) + "\n")
    again = read_trace(old)
    assert "led" not in again and again["t_ms"] == cols["t_ms"] and again["events"] == cols["events"]


def test_an_answer_waits_for_the_settings_reset_notice_and_then_plays():
    lamp = fw_led.Led(lambda _v: None)
    lamp.show(fw_led.SETTINGS_RESET, fw_led.SETTINGS_RESET_MS)
    lamp.update(0, fw.faults.IDLE, 0)
    lamp.update(TICK, fw.faults.IDLE, 0, fw_controller._ACK_BEEP)  # a press during the notice
    levels = [lamp.level]
    for _ in range(fw_led.SETTINGS_RESET_MS // TICK - 2):
        lamp.update(TICK, fw.faults.IDLE, 0)
        levels.append(lamp.level)
        assert not lamp.buzz  # the notice is silent, and no answer sounds over it
    assert levels[:fw_led.SETTINGS_RESET[0] // TICK - 1] == [1] * (fw_led.SETTINGS_RESET[0] // TICK - 1)
    lamp.update(TICK, fw.faults.IDLE, 0)
    lamp.update(TICK, fw.faults.IDLE, 0, fw_controller._ACK_END)  # once it is over, presses answer again
    assert lamp.buzz and lamp.level
