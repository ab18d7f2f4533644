"""The fault table: for every fault `pulseboot sim --fault` can inject, how the firmware
detects it, with which code, within what bound, what it does, what the user sees and how it
is cleared; and per valve topology what software cannot catch and the hardware backstop.

One table: the fault matrix (matrix.py) checks every run against it, and docs/SAFETY.md is
written from it (`python -m pulseboot.safety.table > docs/SAFETY.md`; a test keeps them equal).
Every time and pressure here comes from the firmware's limits table (firmware/lib/limits.py).
"""
from collections import namedtuple

from pulseboot.fw import faults, limits

# shows: when the fault can first be seen, which starts its detection clock:
#   "now"  at injection; "fill" the next time the pump feeds the chamber; "hold" the next
#   time the chamber is held under pressure; "vent" the next time it is told to vent.
# codes: the latched fault codes that count (any of them); () for a fault that needs no
#   code (tolerated: the bounds alone must hold), or one the watchdog handles ("reset").
# bound_ms: detection within this long after `shows`; "vent": the firmware's own venting
#   time limit for the board (VENT_TIMEOUT_MS, or per chamber through a shared exhaust).
# blocks: which chambers then cannot vent by any path ("chamber": the faulty one, "all": none
#   can; keyed by topology where it differs), so the venting bound skips them.
# blind: topology -> why software cannot see this fault there (the hardware backstop is in
#   HARDWARE); the bounds still hold, detection is not required.
# allowance_mmhg: physical overshoot above target + TRIP_MARGIN the fault may cause before it
#   can be seen (stated, with its reason, in `why`).
Fault = namedtuple("Fault", "kind shows codes bound_ms detect response user_sees cleared blocks "
                            "allowance_mmhg why blind", defaults=({},))

_MARGIN = limits.TRIP_MARGIN_DMMHG // 10
_TICK = 25
_SENSOR_LAG_MS = 500  # the sensor's lag and sample period and the firmware's averaging of readings
_LATCH = "pump off, every chamber vented, fault latched"
_CLEAR = "long press on START, then START again"
_FLASHES = "LED flashes the code (README: Status LED), buzzer"


FAULTS = (
    Fault("leak", "hold", ("LEAK", "FILL_TIMEOUT", "NO_RISE"), limits.LEAK_WINDOW_MS + limits.NO_RISE_MS,
          "a held chamber loses more than %d mmHg in %d s" % (limits.LEAK_DROP_DMMHG // 10,
                                                              limits.LEAK_WINDOW_MS // 1000),
          _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("hose-off", "fill", ("NO_RISE", "FILL_TIMEOUT", "LEAK", "SENSOR"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("kink", "fill", ("NO_RISE", "FILL_TIMEOUT", "VENT_TIMEOUT"), limits.FILL_TIMEOUT_MS,
          "the reading does not rise while fed, or the chamber misses its fill time", _LATCH, _FLASHES, _CLEAR,
          {"inlet+exhaust": "chamber"}, 0, ""),
    Fault("stuck-vent", "vent", ("VENT_TIMEOUT",), "vent",
          "a chamber told to vent stays above %d mmHg" % (limits.VENTED_DMMHG // 10), _LATCH, _FLASHES, _CLEAR,
          {"inlet+vent": "chamber", "inlet+exhaust": "all"}, 0, ""),
    Fault("stuck-inlet", "fill", ("OVERPRESSURE", "NO_RISE", "LEAK", "VENT_TIMEOUT", "FILL_TIMEOUT"),
          limits.FILL_TIMEOUT_MS,
          "a chamber not being fed rises, or one being fed does not (its air goes elsewhere)", _LATCH,
          _FLASHES, _CLEAR, {}, 0, ""),
    Fault("dead-sensor", "now", ("SENSOR",), limits.SENSOR_STALE_MS + _TICK,
          "no fresh reading for %d ms" % limits.SENSOR_STALE_MS, _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("stuck-sensor", "fill", ("NO_RISE", "SENSOR"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("pump-weak", "fill", (), 0,
          "tolerated: the fill is slower; FILL_TIMEOUT if the target cannot be reached", "fills slower",
          "nothing, or FILL_TIMEOUT's flashes", _CLEAR, {}, 0, ""),
    Fault("detached-sensor", "now", ("SENSOR", "NO_RISE"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "a reading that falls faster than any vent path allows while both valves are shut, or that "
          "does not rise while fed", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("low-sensor", "fill", ("SENSOR", "NO_RISE", "OVERPRESSURE"), 2 * limits.FILL_TIMEOUT_MS,
          "the air pumped into a chamber against what it took in earlier cycles", _LATCH, _FLASHES, _CLEAR,
          {}, 0, ""),
    Fault("drifting-sensor", "now", ("SENSOR", "ZERO_OFFSET", "NO_RISE"), 60000,
          "a vented chamber reading below zero by more than the offset margin", _LATCH, _FLASHES, _CLEAR,
          {}, 0, ""),
    Fault("noisy-sensor", "now", (), 0,
          "tolerated: the limiter's margins hold; a reading out of range trips SENSOR", "unchanged",
          "nothing, or SENSOR's flashes", _CLEAR, {}, 0, ""),
    Fault("stuck-inlet-closed", "fill", ("NO_RISE", "FILL_TIMEOUT"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("stuck-vent-open", "fill", ("NO_RISE", "FILL_TIMEOUT", "LEAK"), limits.FILL_TIMEOUT_MS,
          "the chamber fills slowly or not at all, or loses pressure when held", _LATCH, _FLASHES, _CLEAR,
          {}, 0, ""),
    Fault("dead-pump", "fill", ("NO_RISE", "FILL_TIMEOUT"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("stuck-pump", "now", ("OVERPRESSURE", "HARD_LIMIT", "PUMP_RUN", "SENSOR"), limits.PUMP_MAX_ON_MS,
          "the manifold sensor rises with the pump told off (single-sensor build); not seen behind closed "
          "inlets on a vent-per-chamber build", _LATCH, _FLASHES, "cut the power",
          {"inlet+exhaust": "all"}, 0, "", {"inlet+vent": "no sensor on the manifold behind the closed inlets"}),
    Fault("hang", "now", ("reset",), limits.WDT_TIMEOUT_MS + _TICK,
          "the watchdog, fed only after the limiter passed, resets the chip", "boot.py vents every chamber",
          "the board restarts idle", "the restart itself", {}, 0, ""),
    Fault("power-cycle", "now", (), 0,
          "none needed: without power the pump stops and normally-open vents open; the chip starts idle",
          "boot.py vents every chamber, zeroing waits for settled readings", "the board restarts idle",
          "the restart itself", {}, 0, ""),
)

BY_KIND = {f.kind: f for f in FAULTS}
VENTED_MMHG = 5.0  # "every chamber vented": below this
VENT_WITHIN_MS = 10000  # ... every chamber that can vent is below SAFE_MMHG this soon after detection
SAFE_MMHG = 15.0
MARGIN_MMHG = _MARGIN

# What software cannot catch, per valve topology, and the hardware backstop for it.
HARDWARE = {
    "inlet+vent": (
        "A pump stuck on behind closed inlets: there is no manifold sensor, so nothing rises where the "
        "firmware can see it. Backstop: a mechanical relief valve on the manifold (set below the hard "
        "limit), and a pump too weak to reach dangerous pressures; normally-open vents vent every "
        "chamber when power fails. A vent valve stuck shut on one chamber with its inlet also shut: "
        "that chamber stays at its pressure until the boot is taken off (VENT_TIMEOUT tells the user)."),
    "inlet+exhaust": (
        "The single exhaust stuck shut: no chamber can vent by any path; the fault latches and the user "
        "must take the boot off. A pump stuck on with the exhaust stuck as well: only a relief valve "
        "helps. Backstop: a mechanical relief valve, normally-open chamber valves and exhaust."),
}


def bound_ms(fault, board):
    """A fault's detection bound on this board, ms."""
    if fault.bound_ms == "vent":
        if board.get("topology") == "inlet+exhaust":
            return limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * board["chambers"]
        return limits.VENT_TIMEOUT_MS
    return fault.bound_ms


def _bound_text(fault):
    if fault.bound_ms == "vent":
        return "%g s (%g s per chamber through a shared exhaust)" % (
            limits.VENT_TIMEOUT_MS / 1000, limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS / 1000)
    return "%g s" % (fault.bound_ms / 1000)


def check():
    """Every code named in the table exists in the firmware's faults.NAMES (or is 'reset')."""
    for f in FAULTS:
        for code in f.codes:
            if code != "reset" and code not in faults.NAMES:
                raise ValueError("fault table: %s names unknown code %s" % (f.kind, code))


def markdown():
    """docs/SAFETY.md."""
    lines = [
        "# PulseBoot single-fault table",
        "",
        "Generated from `tools/pulseboot/safety/table.py` (`python -m pulseboot.safety.table`); a test "
        "keeps this file equal to it, and `pulseboot faults` checks every run against it. Times and "
        "pressures come from `firmware/lib/limits.py`.",
        "",
        "Every fault below can be injected with `pulseboot sim --fault KIND[:CHAMBER]@SECONDS`. For each "
        "run `pulseboot faults` requires: detection within the bound (counted from when the fault can "
        "first show), the pump off from the next tick, every chamber that can vent below %g mmHg within "
        "%d s, and no chamber above its target + %d mmHg (plus any stated allowance) or above the hard "
        "limit." % (SAFE_MMHG, VENT_WITHIN_MS // 1000, MARGIN_MMHG),
        "",
        "| fault | shows | detected by | code | bound | response | the user sees | cleared by |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    shows = {"now": "at once", "fill": "next fill", "hold": "next hold", "vent": "next vent"}
    for f in FAULTS:
        codes = ", ".join("`%s`" % c for c in f.codes) or "none"
        bound = _bound_text(f) if f.codes else "-"
        detect = f.detect + "".join("; not seen on %s boards: %s" % (t, why) for t, why in sorted(f.blind.items()))
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            f.kind, shows[f.shows], detect, codes, bound, f.response, f.user_sees, f.cleared))
    lines += ["", "## What software cannot catch", ""]
    for topology, text in HARDWARE.items():
        lines.append("- **%s**: %s" % (topology, text))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    check()
    print(markdown(), end="")
