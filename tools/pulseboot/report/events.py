"""The trace's `buttons` and `events` columns (trace format 2), and the (led, buzzer) pair of
its last two (format 3), which the simulator reports as an event.

`buttons` is the bitmask of the buttons held during the tick, bit i for the firmware's
buttons.NAMES[i] (start, mode, up, down: 1, 2, 4, 8), or empty when not recorded.
`events` is empty, or `key=value` items joined by `;`, what happened at that tick beyond the
other columns. Keys so far (a reader skips keys it does not know; new ones are only added):

    board=NAME       the board profile              } on the first row, when known
    plant=NAME       the simulated plant            }
    seed=N           the plant's seed               }
    limit=MMHG       the hard pressure limit        }
    targets=A/B/..   each chamber's peak target of the wave, mmHg, chamber 1 first (when it changes)
    inject=KIND:CH   a physical fault injected (sim --fault), chamber counted from 1
    end=REASON       a session ended: time up, long START, fault or reset

A value never holds `,`, `;`, `=` or a line break (they are replaced by `_`).
"""
from collections import namedtuple

Event = namedtuple("Event", "t_ms key value")
SEP = ";"
_BAD = str.maketrans({c: "_" for c in ",;=\r\n"})


def item(key, value):
    """One `key=value` item; a list value (targets) is written a/b/c."""
    if isinstance(value, (list, tuple)):
        value = "/".join(f"{v:g}" for v in value)
    elif isinstance(value, float):
        value = f"{value:g}"
    return f"{key}={str(value).translate(_BAD)}"


def parse(cell):
    """[(key, value)] of an events cell; an item without `=` has the value ''."""
    out = []
    for part in cell.split(SEP) if cell else ():
        key, _, value = part.partition("=")
        if key:
            out.append((key, value))
    return out


def targets(value):
    """The mmHg list of a `targets` value; None when it is not one."""
    try:
        return [float(v) for v in value.split("/")]
    except ValueError:
        return None


def injected(value):
    """(kind, chamber counted from 1) of an `inject` value; None when it is not one."""
    kind, _, chamber = value.partition(":")
    return (kind, int(chamber)) if kind and chamber.isdigit() else None


class Annotator:
    """What a simulated run adds to each row: the buttons held (from the presses' spans,
    scenario.button_spans) and the events due. `first` are the items of the first row
    (board, plant, ...); `timed` are Events placed on the first row at or after their time
    (the injected faults: injected at the first tick at or after it); note() takes the
    simulator's on_event, which comes just before the row of its tick. `indicators` is
    (led, buzzer) as the last "indicators" event left them: the trace's led and buzzer columns."""

    def __init__(self, spans=(), first=(), timed=()):
        self._spans = list(spans)
        self._first = [item(k, v) for k, v in first]
        self._timed = sorted(timed)
        self._notes = []
        self.indicators = (0, 0)

    def note(self, t_ms, key, value):
        if key == "indicators":
            self.indicators = value  # columns of their own, not an event
            return
        self._notes.append(item(key, value))

    def __call__(self, t_ms):
        """(buttons bitmask, [event items]) for the row at t_ms."""
        held = 0
        for start, end, bit in self._spans:
            if start <= t_ms < end:
                held |= bit
        items = self._first
        self._first = []
        while self._timed and self._timed[0].t_ms <= t_ms:
            e = self._timed.pop(0)
            items = [*items, item(e.key, e.value)]
        if self._notes:
            items = [*items, *self._notes]
            self._notes = []
        return held, items
