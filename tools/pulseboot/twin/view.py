"""The live view of one boot: a bar per chamber with its pressure and target, pump and valves,
state, program, level, time left in the session, and the status LED and buzzer as they would
look. It draws Frames (pulseboot.run.realtime.Frame) and knows nothing of where they come from,
so any live source can show the same view. Fits 80 columns.

Each line keeps the plain text it shows in `text`, so a test reads what a user sees.
"""
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from pulseboot import docs, fw
from pulseboot.report import fault_text

import buttons as fw_buttons  # firmware/lib, importable once fw is loaded

BAR_WIDTH = 24  # characters of a chamber's bar
SCALE_MMHG = 80  # a full bar; above it the bar ends in an arrow
LED_WORDS = {state.upper(): words for state, words in docs.LED_WORDS}  # the README's: RUNNING -> "steady on"
LED_COLOUR = "green"  # a plain LED's colour is the builder's choice; a WS2812 shows its own
MODE_STYLE = {"fill": "bold yellow", "hold": "bold green", "vent": "cyan"}
STATE_STYLE = {"ZEROING": "bold yellow", "IDLE": "bold", "RUNNING": "bold black on green",
               "PAUSED": "bold black on yellow", "FAULT": "bold white on red", "RESET": "bold white on red",
               "REPL": "bold white on red", "OFF": "dim"}


class Line(Static):
    """One line of the view; `text` is what it shows, plain."""

    DEFAULT_CSS = "Line { height: auto; }"  # a line too long for the terminal wraps
    text = ""

    def show(self, text):
        if not isinstance(text, Text):
            text = Text(text)
        if text.plain != self.text or text.spans != getattr(self, "_spans", None):
            self.text = text.plain
            self._spans = text.spans
            self.update(text)


def clock(ms):
    """m:ss, or h:mm:ss from an hour, of ms rounded down."""
    s = max(0, int(ms)) // 1000
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "%d:%02d:%02d" % (h, m, s) if h else "%d:%02d" % (m, s)


def bar(pressure, target, width=BAR_WIDTH, scale=SCALE_MMHG, style="cyan"):
    """`pressure` mmHg as a bar of `width` cells for `scale` mmHg, the target marked |."""
    cells = max(0.0, pressure) * width / scale
    full = min(width, int(cells))
    half = full < width and cells - full >= 0.5
    mark = int(target * width / scale) if target else -1
    mark = min(mark, width - 1)
    text = Text()
    for i in range(width):
        if i < full or (i == full and half):
            text.append("█" if i < full else "▌", style + (" on magenta" if i == mark else ""))
        elif i == mark:
            text.append("|", "bold magenta")
        else:
            text.append("·", "dim")
    text.append("▶" if pressure > scale else " ", "bold red")
    return text


LABEL = 11  # characters of a chamber's name ("8 proximal ")
HEAD = "%-*s%-*s%12s %7s %-4s   %s" % (LABEL, "chamber", BAR_WIDTH + 1, "pressure, | target", "mmHg / target",
                                    "sensor", "mode", "valves")


def chamber_line(i, frame):
    n = len(frame.target_mmhg)
    true = frame.pressure_mmhg[i] if frame.pressure_mmhg is not None else None
    read = frame.reading_mmhg[i]
    shown = true if true is not None else (read or 0.0)
    mode = frame.modes[i]
    text = Text("%-*s" % (LABEL, "%d %s" % (i + 1, "distal" if i == 0 else ("proximal" if i == n - 1 else ""))))
    text.append_text(bar(shown, frame.target_mmhg[i], style=MODE_STYLE.get(mode, "cyan")))
    text.append(" %5.1f" % shown, "bold")
    text.append(" / %-5.0f" % frame.target_mmhg[i])
    text.append(" %6s" % ("-" if read is None else "%.1f" % read), "dim")
    text.append(" %-4s" % mode, MODE_STYLE.get(mode, ""))
    text.append("   in ")
    text.append("●" if frame.inlet[i] else "○", "bold yellow" if frame.inlet[i] else "dim")
    text.append(" vent ")
    text.append("●" if frame.vent[i] else "○", "bold cyan" if frame.vent[i] else "dim")
    return text


def led_words(state, fault):
    """The README's words for the LED pattern of this state (a fault's: its code in flashes)."""
    if state == "FAULT":
        code = fw.faults.NAMES.index(fault) if fault in fw.faults.NAMES else 1
        return "%d short flash%s, then a pause" % (code, "" if code == 1 else "es")
    return LED_WORDS.get(state, "")


def _rgb_style(rgb):
    """A WS2812's colour at full brightness (the firmware's dim amber would look black)."""
    top = max(rgb[:3])
    return "bold rgb(%d,%d,%d)" % tuple(int(c * 255 / top) for c in rgb[:3])


class LiveView(Vertical):
    """The whole view; show(frame) draws one Frame. buzzer_fitted: the board has a buzzer
    (otherwise the indicator shows what one on buzzer_pin would do, and says so)."""

    DEFAULT_CSS = """
    LiveView { height: auto; }
    LiveView #chambers-head { margin-top: 1; }
    """

    def __init__(self, chambers, buzzer_fitted=False, **kw):
        super().__init__(**kw)
        self.chambers = chambers
        self.buzzer_fitted = buzzer_fitted
        self.frame = None
        self._flashes = self._buzzes = 0

    def compose(self):
        for name in ("state", "level", "session", "led", "buzzer", "message", "chambers-head"):
            yield Line(id=name)
        for i in range(self.chambers):
            yield Line(id="chamber-%d" % (i + 1))

    def line(self, name):
        """The plain text a line shows now (state, level, session, led, buzzer, message, chamber-N)."""
        return self.query_one("#" + name, Line).text

    def show(self, frame):
        # A flash or a beep that came and went since the last frame is shown as on: at speed,
        # or on a slow terminal, the view would otherwise miss it.
        led = frame.led or frame.led_flashes != self._flashes
        buzzer = frame.buzzer or frame.buzzes != self._buzzes
        self._flashes, self._buzzes = frame.led_flashes, frame.buzzes
        self.frame = frame
        q = self.query_one
        q("#state", Line).show(self._state_line(frame))
        q("#level", Line).show(self._level_line(frame))
        q("#session", Line).show(self._session_line(frame))
        q("#led", Line).show(self._led_line(frame, led))
        q("#buzzer", Line).show(self._buzzer_line(buzzer))
        q("#message", Line).show(self._message_line(frame))
        q("#chambers-head", Line).show(Text(HEAD, "dim"))
        for i in range(self.chambers):
            q("#chamber-%d" % (i + 1), Line).show(chamber_line(i, frame))

    @staticmethod
    def _state_line(f):
        text = Text("State ")
        text.append(" %s " % f.state, STATE_STYLE.get(f.state, "bold"))
        text.append("   Program ")
        text.append(f.program or "-", "bold")
        text.append("   Cycles %d" % f.cycles)
        return text

    @staticmethod
    def _level_line(f):
        text = Text("Level ")
        if f.level_mmhg is None:
            return text.append("-")
        text.append("%g mmHg" % f.level_mmhg, "bold")
        if f.level_in_use_mmhg < f.level_mmhg:
            text.append(" (runs at %g: sensor range)" % f.level_in_use_mmhg, "yellow")
        wave = f.target_mmhg[0] if f.target_mmhg else 0
        if f.state == "RUNNING" and wave and abs(wave - f.level_in_use_mmhg) >= 0.05:
            text.append("; this wave at %g, the next at %g" % (wave, f.level_in_use_mmhg), "yellow")
        return text

    @staticmethod
    def _session_line(f):
        text = Text()
        if f.state in ("RUNNING", "PAUSED"):
            text.append("Time left ")
            text.append(clock(f.session_left_ms), "bold")
            text.append(" of %s" % clock(f.session_ms))
            if f.state == "PAUSED":
                text.append(" paused", "yellow")
        else:
            text.append("Session %s" % clock(f.session_ms))
            if f.state == "IDLE" and f.session_left_ms <= 0:
                text.append(", time up", "yellow")
        text.append("   Pump ")
        cells = round(f.pump_pct / 10)
        text.append("█" * cells + "·" * (10 - cells), "bold yellow" if f.pump_pct else "dim")
        text.append(" %3d %%" % f.pump_pct)
        text.append("   Device time %s" % clock(f.t_ms), "dim")
        return text

    @staticmethod
    def _led_line(f, lit):
        text = Text("LED    ")
        if lit:
            text.append("●", _rgb_style(f.led_rgb) if f.led_rgb and any(f.led_rgb) else "bold " + LED_COLOUR)
            text.append(" on ")
        else:
            text.append("○ off", "dim")
        words = led_words(f.state, f.fault)
        if words:
            text.append("  " + words, "dim")
        return text

    def _buzzer_line(self, sounding):
        text = Text("Buzzer ")
        if sounding:
            text.append("♪ BEEP", "bold white on red")
        else:
            text.append("· quiet", "dim")
        if not self.buzzer_fitted:
            text.append("  (none on this board: as one on buzzer_pin would sound)", "dim")
        return text

    @staticmethod
    def _message_line(f):
        if f.state == "FAULT":
            return Text("FAULT %s: %s. Long START clears it." % (f.fault, fault_text.meaning(f.fault)), "bold red")
        if f.buttons:
            return Text("held: " + " ".join(n.upper() for b, n in enumerate(fw_buttons.NAMES) if f.buttons >> b & 1),
                        "bold")
        if f.state == "ZEROING":
            return Text("zeroing the sensors (every chamber vented); START now starts once zeroed", "dim")
        return Text("")
