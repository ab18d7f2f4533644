"""`pulseboot twin`'s terminal app: the live view (view.py) of a DeviceTwin (run/realtime.py),
paced by the app's timer, with keys for the four buttons.

Every STEP_S of wall time the timer lets the device run speed x the wall time that really
passed, in virtual ms, then draws the last Frame. The firmware's console (what main.py
prints) shows on the bottom line. Quitting stops the device thread (main.py's finally
leaves the outputs safe) before the terminal is given back.
"""
import asyncio
import contextlib
import signal
import time

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from pulseboot.twin.view import LiveView

STEP_S = 0.05  # wall seconds between two steps of the device (and two redraws)
CONSOLE_LINES = 20
KEYS = ("keys  s START   S (shift+s) long START, held 2 s: stop, or clear a fault\n"
        "      m MODE   u or \u2191 UP   d or \u2193 DOWN   q quit")
ENDED = {
    "returned": "main.py returned: the control loop stopped (see its console line); outputs safe",
    "error": "the device shell failed",
}


class Console(Static):
    """The firmware's last printed line; the app keeps the last CONSOLE_LINES."""

    text = ""

    def on_print(self, event):
        lines = [line for line in event.text.splitlines() if line.strip()]
        if lines:
            self.text = lines[-1]
            self.update(Text("console: " + self.text, "italic"))
            kept = self.app.console_lines
            kept.extend(lines)
            del kept[:-CONSOLE_LINES]


class TwinApp(App):
    """twin: a DeviceTwin, not started; speed: virtual ms per wall ms; title: the top line;
    bell: ring the terminal bell as the buzzer sounds; step_s: wall seconds between steps
    (None: no timer, virtual time passes only through advance())."""

    CSS = """
    Screen { padding: 0 1; }
    #title { text-style: bold; margin-bottom: 1; }
    #keys { margin-top: 1; color: $text-muted; }
    #ended { color: $error; text-style: bold; height: auto; }
    """
    BINDINGS = [  # noqa: RUF012 (Textual's own idiom)
        Binding("s", "press('start')", "START", show=False),
        Binding("S", "press('start', True)", "long START", show=False),
        Binding("m", "press('mode')", "MODE", show=False),
        Binding("u,up", "press('up')", "UP", show=False),
        Binding("d,down", "press('down')", "DOWN", show=False),
        Binding("q,ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(self, twin, speed=1.0, title="PulseBoot twin", bell=False, step_s=STEP_S):
        super().__init__()
        self.twin = twin
        self.speed = speed
        self.bell_on_buzz = bell
        self.step_s = step_s
        self.heading = title
        self.frame = None
        self.started = self._last = None  # time.monotonic() at mount
        self.console_lines = []  # what the firmware printed, the last CONSOLE_LINES lines
        self._buzzes = 0

    def compose(self):
        yield Static(self.heading, id="title")
        yield LiveView(self.twin.chambers, self.twin.buzzer_fitted, id="view")
        yield Static(KEYS, id="keys")
        yield Static("", id="ended")
        yield Console("", id="console")

    def on_mount(self):
        self.begin_capture_print(self.query_one(Console))
        self.started = self._last = time.monotonic()
        # A terminal closed or a `kill`: quit as `q` does, so the terminal and the outputs are
        # left as they should be (Python's default would end the process where it stands).
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # no such signal here
                loop.add_signal_handler(sig, self.exit)
        self.twin.start()
        if self.step_s:
            self.set_interval(self.step_s, self.step)

    def step(self):
        """The timer: the device runs speed x the wall time since the last step, then is drawn."""
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        if self.twin.ended is None:
            # Half a second of wall time may be owed; beyond that the host cannot keep up.
            self.twin.run_for(elapsed * 1000 * self.speed, behind_ms=500 * self.speed)
        self.draw()

    async def advance(self, ms, timeout=5.0):
        """Run the device ms of virtual time, wait until it has, and draw it: the timer's step
        without the wall clock (step_s=None), so tests decide when virtual time passes."""
        self.twin.run_for(ms)
        await asyncio.to_thread(self.twin.settle, timeout)
        self.draw()

    def draw(self):
        frame = self.twin.snapshot()
        if frame is None:
            return
        self.frame = frame
        self.query_one(LiveView).show(frame)
        if frame.buzzes != self._buzzes:
            self._buzzes = frame.buzzes
            if self.bell_on_buzz:
                self.bell()
        if self.twin.ended not in (None, "stopped"):
            why = ENDED.get(self.twin.ended, "the board reset (%s): the firmware stopped" % self.twin.ended)
            if self.twin.error is not None:
                why += ": %s" % self.twin.error
            log = self.twin.crash_log().strip().splitlines()
            if log:
                why += "; crash log: " + log[-1]
            self.query_one("#ended", Static).update(why + "; q quits")

    def action_press(self, button, long=False):
        self.twin.press(button, long)

    async def action_quit(self):
        self.twin.stop()
        self.exit()

    def on_unmount(self):
        self.twin.close()  # however the app ends: the firmware stopped, its temporary flash removed
