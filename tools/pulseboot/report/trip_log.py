"""The device's own records, as `pulseboot log` shows them: the trip log (one line a trip, written
by firmware/lib/crashlog.py: `t=<ms> <CODE> chamber=<1..N or -> value=<v> limit=<l>`) and the
crash log (one line a crash: `<ms> ms <Exception>: <message> (state S, fault N)`).

A line that does not parse (a log written by an older firmware, or cut by a power loss) is kept
as it is rather than dropped: it may be the one that matters."""
import re
from dataclasses import dataclass

from pulseboot.report import fault_text

TRIP_LOG = "trips.log"  # on the device's flash root (crashlog.TRIP_LOG without its slash)
CRASH_LOG = "crash.log"  # crashlog.CRASH_LOG without its slash

_TRIP = re.compile(r"^t=(?P<t>\d+) (?P<code>[A-Z_]+) chamber=(?P<chamber>\d+|-) value=(?P<value>\S+) "
                   r"limit=(?P<limit>\S+)$")
_AMOUNT = re.compile(r"^(-?\d+\.\d+)(mmHg|s)$")


@dataclass
class Trip:
    t_ms: int
    code: str
    chamber: int | None  # 1 = the most distal; None: no chamber (the pump, or the whole board)
    value: str  # as the device wrote it: 61.2mmHg, 1.550s
    limit: str

    def as_dict(self):
        return {"t_ms": self.t_ms, "code": self.code, "chamber": self.chamber, "value": _number(self.value),
                "limit": _number(self.limit), "unit": _unit(self.value), "meaning": fault_text.meaning(self.code)}


def _number(amount):
    m = _AMOUNT.match(amount)
    return float(m.group(1)) if m else None


def _unit(amount):
    m = _AMOUNT.match(amount)
    return "mmHg" if m is None else m.group(2)


def parse_trips(text):
    """[Trip or str (a line that did not parse)], oldest first."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = _TRIP.match(line)
        if m is None:
            out.append(line)
            continue
        chamber = None if m["chamber"] == "-" else int(m["chamber"])
        out.append(Trip(int(m["t"]), m["code"], chamber, m["value"], m["limit"]))
    return out


def uptime(ms):
    """1:02:03.4 (hours, minutes, seconds since the board started)."""
    s, tenths = divmod(ms // 100, 10)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "%d:%02d:%02d.%d" % (h, m, s, tenths)


def _amount(text):
    m = _AMOUNT.match(text)
    return text if m is None else "%s %s" % (m.group(1), m.group(2))


def trips_text(trips):
    """The trip log as a table a user reads: when, what, where, how far, and what it means."""
    if not trips:
        return "no trips recorded"
    rows = [("uptime", "code", "chamber", "value", "limit", "what it means")]
    for t in trips:
        if isinstance(t, str):
            rows.append(("?", "(unreadable line)", "", "", "", t))
        else:
            rows.append((uptime(t.t_ms), t.code, "-" if t.chamber is None else str(t.chamber), _amount(t.value),
                         _amount(t.limit), fault_text.meaning(t.code)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  " + r[5] for r in rows).rstrip()
