"""`pulseboot twin`: the firmware on the fake board paced from outside (run/realtime.py), its
terminal view driven with keys through Textual's test pilot, and the command once through a
real pseudo-terminal. Everything runs on virtual time at 60 times real time: each wait below
is the pilot's own short pause, repeated until the screen shows what is expected."""
import asyncio
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from pulseboot import fw
from pulseboot.cli import main as cli_main
from pulseboot.fakeboard.clock import VirtualClock
from pulseboot.fakeboard.world import World
from pulseboot.plant import PRESETS
from pulseboot.run.realtime import DeviceTwin
from pulseboot.twin.app import TwinApp
from pulseboot.twin.view import LiveView

BOARD = fw.DEFAULT_BOARD
FAST = 60  # --speed at most
WAIT_S = 4.0  # wall seconds any one wait may take before the test fails


def twin(board=BOARD, **kw):
    return DeviceTwin(board, PRESETS["small-leg"], **kw)


# ---- the paced device shell -------------------------------------------------------------------
def test_the_device_runs_only_as_far_as_it_is_allowed_and_stops_safe_mid_wave():
    t = twin()
    try:
        t.start()
        t.run_for(3000)
        assert t.settle(WAIT_S)
        assert 3000 <= t.snapshot().t_ms <= 3025  # the tick that reached the budget, no further
        time.sleep(0.05)
        assert t.snapshot().t_ms <= 3025  # and it waits there
        assert t.snapshot().state == "IDLE"  # zeroed
        t.press("start")
        t.run_for(4000)
        assert t.settle(WAIT_S)
        f = t.snapshot()
        assert f.state == "RUNNING" and f.pressure_mmhg[0] > 5 and not t.outputs_safe()
        assert t.stop(WAIT_S)  # out of main.py's loop, through its finally
        assert t.ended == "stopped" and t.error is None
        assert t.outputs_safe()  # pump off, every chamber vented
    finally:
        t.close()
    assert not os.path.exists(t.root)


def test_a_fault_lights_the_led_in_flashes_and_sounds_the_buzzer_a_fitted_one_would():
    t = twin()
    try:
        t.start()
        t.run_for(3000)
        t.settle(WAIT_S)
        t.press("start")
        t.run_for(2000)
        t.settle(WAIT_S)
        t.inject("dead-pump")  # the firmware is never told
        t.run_for(30000)
        t.settle(WAIT_S)
        f = t.snapshot()
        assert f.state == "FAULT" and f.fault and f.buzzes > 0 and f.led_flashes > 0
        assert not t.buzzer_fitted  # no shipped board has one: the twin shows what one would do
    finally:
        t.close()
    assert t.outputs_safe()


def test_presses_of_one_button_follow_each_other_and_a_held_key_does_not_pile_up():
    t = twin()
    try:
        t.start()
        t.run_for(3000)
        t.settle(WAIT_S)
        for _ in range(10):  # a key held down: its auto-repeat
            t.press("up")
        t.run_for(2000)
        t.settle(WAIT_S)
        assert t.snapshot().level_mmhg == 55  # 45 + 2 x 5: the first press and the one that waited
    finally:
        t.close()


def test_another_thread_importing_time_while_the_device_lives_gets_the_hosts():
    t = twin()
    try:
        t.start()
        t.run_for(100)
        t.settle(WAIT_S)
        import time as imported  # lifecycle.live() has put the board's time module in sys.modules

        assert imported.sleep is time.sleep and imported.monotonic is time.monotonic
        assert sys.modules["time"] is not time  # ... and the firmware's thread sees the fake one
    finally:
        t.close()
    assert sys.modules["time"] is time


def test_a_live_press_begins_at_the_next_step_and_ended_spans_are_dropped():
    board = fw.load_board(BOARD)
    world = World(board, None, VirtualClock(), [(0, 100, 1)])
    world.advance(50)
    assert world.buttons_held() == 1
    world.advance(100)
    world.press(4, world.clock.elapsed_ms, world.clock.elapsed_ms + 200)  # UP, from now
    assert world.spans == [(150, 350, 4)]  # START's span is over: dropped
    assert world.buttons_held() == 0  # the pins change when virtual time moves
    world.advance(25)
    assert world.buttons_held() == 4
    world.advance(200)
    assert world.buttons_held() == 0


# ---- the app through Textual's pilot -------------------------------------------------------------
# The app runs without its timer here (step_s=None): virtual time passes only when the test
# lets it (app.advance), so each check is made at a known point and the device thread is
# idle while the pilot presses a key. test_the_timer_paces_the_device covers the timer.
def _screen(view):
    return "\n".join(view.line(n) for n in ("state", "level", "session", "led", "buzzer", "message", "chamber-1"))


async def _until(app, check, what, virtual_s=60):
    """Let virtual time pass in 250 ms steps until check() holds on screen."""
    for _ in range(virtual_s * 4):
        if check():
            return
        await app.advance(250)
    raise AssertionError("expected %s within %d s; the screen shows:\n%s" % (what, virtual_s,
                                                                          _screen(app.query_one(LiveView))))


def _pressure(view, chamber=1):
    """Chamber N's pressure as its line shows it (the number after the bar)."""
    return float(re.search(r"(-?\d+\.\d) /", view.line("chamber-%d" % chamber)).group(1))


def test_quitting_removes_the_temporary_flash():
    async def scenario():
        app = TwinApp(twin(), speed=FAST, step_s=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.advance(100)
            assert os.path.isdir(app.twin.root)
            await pilot.press("q")
        assert not os.path.exists(app.twin.root) and app.twin.ended == "stopped"

    asyncio.run(scenario())


def test_keys_start_pause_resume_stop_mode_and_level_as_a_user_sees_them():
    async def scenario():
        app = TwinApp(twin(), speed=FAST, step_s=None)
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(LiveView)

            def state():
                return view.line("state")

            await _until(app, lambda: "IDLE" in state(), "IDLE once the sensors are zeroed")
            assert "Program gradient" in state() and "Level 45 mmHg" in view.line("level")
            assert "Session 30:00" in view.line("session")

            for name in ("recovery", "wave", "lymph", "boost"):  # MODE in IDLE: the next program
                await pilot.press("m")
                await _until(app, lambda name=name: "Program %s" % name in state(), "program %s after MODE" % name, 1)
            await pilot.press("m")  # after the fifth, the first again
            await _until(app, lambda: "Program gradient" in state(), "program gradient after MODE again", 1)

            await pilot.press("u")  # UP: +5 mmHg
            await _until(app, lambda: "Level 50 mmHg" in view.line("level"), "level 50 after UP", 1)
            await pilot.press("down")
            await _until(app, lambda: "Level 45 mmHg" in view.line("level"), "level 45 after the down arrow", 1)
            await pilot.press("up")
            await _until(app, lambda: "Level 50 mmHg" in view.line("level"), "level 50 after the up arrow", 1)
            await pilot.press("d")
            await _until(app, lambda: "Level 45 mmHg" in view.line("level"), "level 45 after DOWN", 1)

            await pilot.press("s")  # START
            await _until(app, lambda: "RUNNING" in state(), "RUNNING after START", 1)
            await _until(app, lambda: _pressure(view) > 5, "chamber 1 filling", 5)
            first = _pressure(view)
            assert "steady on" in view.line("led") and "Time left" in view.line("session")
            assert "fill" in view.line("chamber-1") and "in ●" in view.line("chamber-1")
            await app.advance(250)
            assert _pressure(view) > first  # rising

            await pilot.press("s")  # a second tap pauses
            await _until(app, lambda: "PAUSED" in state(), "PAUSED after the second START", 1)
            assert "paused" in view.line("session") and "slow blink" in view.line("led")
            await _until(app, lambda: _pressure(view) < 3, "chamber 1 vented while paused", 15)

            await pilot.press("s")  # and the next resumes
            await _until(app, lambda: "RUNNING" in state(), "RUNNING again after a third START", 1)

            await pilot.press("S")  # a long press stops the session
            await _until(app, lambda: "held: START" in view.line("message"), "START held", 1)
            await _until(app, lambda: "IDLE" in state(), "IDLE after a long START", 3)
            assert "Session 30:00" in view.line("session") and "BEEP" in view.line("buzzer")
            # a stopped session is answered with one long beep (400 ms), then the buzzer is quiet
            await _until(app, lambda: "quiet" in view.line("buzzer"), "the buzzer quiet after the stop's beep", 1)
            assert "IDLE" in state() and "Session 30:00" in view.line("session")

            await pilot.press("q")
        assert app.twin.ended == "stopped" and app.twin.outputs_safe()

    asyncio.run(scenario())


def test_a_fault_on_screen_beeps_rings_the_bell_and_a_long_start_clears_it():
    async def scenario():
        app = TwinApp(twin(), speed=FAST, bell=True, step_s=None)
        rings = []
        app.bell = lambda: rings.append(1)
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(LiveView)
            await _until(app, lambda: "IDLE" in view.line("state"), "IDLE")
            await pilot.press("s")
            await _until(app, lambda: "RUNNING" in view.line("state"), "RUNNING", 1)
            app.twin.inject("dead-pump")
            await _until(app, lambda: "FAULT" in view.line("state"), "FAULT after the pump died", 30)
            assert "Long START clears it" in view.line("message")
            assert "short flash" in view.line("led")
            await _until(app, lambda: "BEEP" in view.line("buzzer"), "the buzzer sounding", 3)
            assert "none on this board" in view.line("buzzer")
            assert rings
            await pilot.press("S")
            await _until(app, lambda: "IDLE" in view.line("state"), "IDLE after a long START clears the fault", 3)
            await pilot.press("q")
        assert app.twin.outputs_safe()

    asyncio.run(scenario())


def test_a_crash_in_the_firmware_resets_the_board_and_the_view_says_so():
    async def scenario():
        app = TwinApp(twin(), speed=FAST, step_s=None)
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(LiveView)
            await _until(app, lambda: "IDLE" in view.line("state"), "IDLE")
            await pilot.press("s")
            await _until(app, lambda: "RUNNING" in view.line("state"), "RUNNING", 1)

            def boom(*_args):
                raise ZeroDivisionError("a bug in the control loop")

            app.twin.main.ctrl.step = boom  # the device is waiting between two ticks
            await _until(app, lambda: app.twin.ended is not None, "the board reset", 3)
            ended = str(app.query_one("#ended").render())
            assert "the board reset (reset)" in ended and "a bug in the control loop" in ended, ended
            assert "RESET" in view.line("state")
            await pilot.press("q")
        assert app.twin.ended == "reset" and app.twin.outputs_safe()  # boot.py's safe state after the reset

    asyncio.run(scenario())


def test_eight_chambers_and_the_rgb_led_in_its_own_colour():
    async def scenario():
        app = TwinApp(twin("esp32s3-8ch"), speed=FAST, step_s=None)
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(LiveView)
            await _until(app, lambda: "IDLE" in view.line("state"), "IDLE")
            await pilot.press("s")
            await _until(app, lambda: "RUNNING" in view.line("state") and view.frame.led, "RUNNING, LED on", 1)
            assert view.frame.led_rgb == (24, 12, 0)  # the firmware's dim amber, drawn at full brightness
            assert view.line("chamber-8").startswith("8 proximal")
            assert all(len(view.line("chamber-%d" % i)) <= 78 for i in range(1, 9))  # 80 columns, padded
            await pilot.press("q")

    asyncio.run(scenario())


def test_the_timer_paces_the_device_at_its_speed():
    async def scenario():
        app = TwinApp(twin(), speed=FAST)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            wall_ms = (time.monotonic() - app.started) * 1000
            shown = app.frame.t_ms
            # Never ahead of the wall clock (but for the last tick), and far faster than real
            # time even on a busy machine (the device and the view share one interpreter).
            assert 10 * wall_ms <= shown <= FAST * wall_ms + 25, (shown, wall_ms)
            await pilot.press("q")
        assert app.twin.ended == "stopped"

    asyncio.run(scenario())


# ---- the command --------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "says"), [
    (["--speed", "0"], "--speed '0': expected a number from 1 to 60"),
    (["--speed", "61"], "--speed '61': expected a number from 1 to 60"),
    (["--speed", "nan"], "--speed 'nan': expected a number from 1 to 60"),
    (["--speed"], "--speed needs a value"),
    (["--board", "nope"], "unknown board 'nope'"),
    (["--plant", "moon"], "unknown plant 'moon'"),
    (["--program", "x"], "unknown program 'x'"),
    (["--level", "500"], "--level '500': expected whole mmHg from 30 to 80 for program gradient"),
    (["--board", "esp32-devkitc-4ch-manifold", "--program", "recovery"], "needs a vent valve on every chamber"),
    (["--bogus"], "unexpected argument '--bogus'"),
    ([], "standard input is not a terminal"),  # pytest's stdin is not one
])
def test_a_bad_command_line_is_one_line_and_exit_2(capsys, args, says):
    assert cli_main(["twin", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pulseboot twin: ") and says in err


def _read(fd, until, out, since=0, timeout=WAIT_S * 2):
    """Read the terminal into out[0] until `until` shows after byte `since`; the end of it."""
    deadline = time.monotonic() + timeout
    while until not in out[0][since:]:
        if time.monotonic() > deadline:
            raise AssertionError("%r not seen; the terminal got: %r" % (until, out[0][-400:]))
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out[0] += os.read(fd, 65536)
            except OSError:  # the other side closed
                break
    return len(out[0])


def test_through_a_real_pseudo_terminal_keys_work_and_q_restores_the_terminal():
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    before = termios.tcgetattr(slave)
    env = dict(os.environ, TERM="xterm-256color",
               PYTHONPATH=os.pathsep.join([str(fw.ROOT / "tools"), os.environ.get("PYTHONPATH", "")]))
    for name in ("TEXTUAL", "COLUMNS", "LINES"):
        env.pop(name, None)
    command = "import sys; from pulseboot.cli import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", command, "twin", "--speed", str(FAST)],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    out = [b""]
    try:
        seen = _read(master, b"IDLE", out)
        os.write(master, b"s")  # START
        seen = _read(master, b"RUNNING", out, seen)
        os.write(master, b"S")  # shift+s: a long START
        seen = _read(master, b"IDLE", out, seen)
        os.write(master, b"q")
        _read(master, b"outputs safe", out, seen)
        assert proc.wait(WAIT_S) == 0
        while select.select([master], [], [], 0.1)[0]:  # whatever is left
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out[0] += chunk
        after = termios.tcgetattr(slave)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    text = out[0]
    assert b"\x1b[?1049h" in text  # the alternate screen was entered ...
    tail = text[text.rindex(b"\x1b[?1049l") + len(b"\x1b[?1049l"):]  # ... and left at the end,
    plain = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", tail).strip()  # followed only by the summary line
    assert plain.startswith(b"pulseboot twin: stopped after") and plain.count(b"\n") == 0, plain
    assert plain.endswith(b"outputs safe (pump off, every chamber vented)")
    assert after == before  # the terminal's modes (echo, canonical input) are back as they were
