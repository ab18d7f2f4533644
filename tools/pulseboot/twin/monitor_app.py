"""`pulseboot monitor`'s terminal app: the twin's live view (view.py) of a real board on a
serial port (run/bench_link.py), redrawn from the last telemetry line; q quits. Nothing is
sent to the board: its buttons are the board's own."""
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from pulseboot.twin.view import LiveView

STEP_S = 0.1  # the board sends a line every 100 ms


class MonitorApp(App):
    CSS = """
    Screen { padding: 0 1; }
    #title { text-style: bold; margin-bottom: 1; }
    #status { margin-top: 1; color: $text-muted; }
    #console { height: auto; }
    """
    BINDINGS = [Binding("q,ctrl+c", "quit", "quit", show=False, priority=True)]  # noqa: RUF012 (Textual's idiom)

    def __init__(self, bench, chambers, title, duration_s=None):
        super().__init__()
        self.bench = bench
        self.chambers = chambers
        self.heading = title
        self.duration_s = duration_s
        self._elapsed = 0.0
        self.frame = None

    def compose(self):
        yield Static(self.heading, id="title")
        yield LiveView(self.chambers, id="view")
        yield Static("waiting for the board's telemetry lines...", id="status")
        yield Static("", id="console")

    def on_mount(self):
        self.set_interval(STEP_S, self.draw)

    def draw(self):
        self._elapsed += STEP_S
        bench = self.bench
        frame = bench.snapshot()
        if frame is not None and len(frame.reading_mmhg) == self.chambers:
            self.frame = frame
            self.query_one(LiveView).show(frame)
        r = bench.reader
        status = "lines %d, skipped %d   q quit" % (r.lines, r.skipped)
        if bench.error is not None:
            status = "the port stopped: %s   q quit" % bench.error
        self.query_one("#status", Static).update(status)
        if r.console:
            self.query_one("#console", Static).update(Text("console: " + r.console[-1], "italic"))
        if self.duration_s is not None and self._elapsed >= self.duration_s:
            self.exit()

    def action_quit(self):
        self.exit()
