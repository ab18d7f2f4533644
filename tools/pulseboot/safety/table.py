"""The fault table: for every fault `pulseboot sim --fault` can inject, how the firmware
detects it, with which code, within what bound, what it does, what the user sees and how it
is cleared; and per valve topology what software cannot catch and the hardware backstop.

One table: the fault matrix (matrix.py) checks every run against it, and docs/SAFETY.md is
written from it (`python -m pulseboot.safety.table > docs/SAFETY.md`; a test keeps them equal).
Every time and pressure here comes from the firmware's limits table (firmware/lib/limits.py).
"""
from collections import namedtuple

from pulseboot.fw import faults, limits
from pulseboot.fw import programs as fw_programs

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


# From a fill to the same chamber's next one: the longest release and rest of any program, and
# a fill's time limit for the wave in between (the next fill itself is then judged in NO_RISE_MS).
_NEXT_FILL_MS = (max(p[fw_programs.RELEASE_MS] + p[fw_programs.REST_MS] for p in fw_programs.PROGRAMS)
                 + limits.FILL_TIMEOUT_MS + limits.NO_RISE_MS)
# A leak (the plant's: a ~0.3 mm hole, some 10 mmHg/s at 60 mmHg, 1.5 mmHg/s in the biggest
# chamber at 30) shows once a chamber is held. A held chamber's top-up takes the pump before the
# next fill, so its reading seldom falls LEAK_DROP_DMMHG: the leak shows as top-up air instead. On
# a limb the tissue creeping away under a bladder (time constant 2-6 s) takes top-ups too, as many
# as a leak's in a hold's first seconds: a leak can be told from creep only once the creep is spent,
# HOLD_CREEP_MS into a hold (or against the chamber's own earlier holds, when it starts later). It
# shows in a hold that long (LEAK_SHOWS_MS), and is caught within HOLD_AIR_PCT of the fill's air
# beyond it: the biggest chambers' slowest leak (the 8-chamber large leg's thigh, a big fill at a
# low target) takes some 7 s for that. From the start of the hold.
LEAK_SHOWS_MS = limits.HOLD_CREEP_MS + 2000
_LEAK_MS = limits.HOLD_CREEP_MS + 8000
# A sensor reading 60 % (the injected 'low-sensor') in a chamber's first fill: the true
# pressure is target / 0.6 when the reading shows the target, at 55 mmHg 36.7 above it.
_LOW_ALLOWANCE_MMHG = 22
# A zero walking down ('drifting-sensor': 30 mmHg/min) in a chamber held through a long wave:
# the top-ups follow the reading, so the true pressure climbs with the drift. Near the target
# a top-up's air is small beside the fill's (most of a fill unfolds the bladder), so the hold's
# air rule (LEAK) is slow to see it; the chamber's next vent does (ZERO_OFFSET). The first
# chamber of an 8-chamber lymph wave, held some 35-45 s, ends up to 4.5 mmHg past the margin; the
# share of a hold's top-ups allowed for a limb's creep lets them follow the drift a little further
# (the large leg's third chamber, 8.1 mmHg past the margin, and its vent a quarter of a second past
# the minute).
_DRIFT_ALLOWANCE_MMHG = 9
_DRIFT_MS = 65000
# A reading that sticks as a fill ends: see the stuck-sensor row's reason.
_STUCK_ALLOWANCE_MMHG = 4
_PULSED = "inlet+exhaust"  # the single-sensor build: reads a chamber only between pump pulses
_SHUT_IN = ("held chambers are shut off from the one sensor (on the manifold): this shows at the chamber's next "
            "fill, which takes more air than before (AIR) or does not rise (NO_RISE); the pressure can only fall")


FAULTS = (
    Fault("leak", "hold", ("LEAK", "FILL_TIMEOUT", "NO_RISE", "AIR"), _LEAK_MS,
          "a held chamber (both valves shut) whose reading stands more than %d mmHg below its highest since it "
          "was last fed (or its target) for %g s, or whose top-ups add up to more than %d %% of the air its fill "
          "took (%d %% more a minute held, at least %g s of full pump) beyond what the limb's creep takes (what "
          "its earlier holds took, twice over, at most %d %%; %d %% in its first hold; in a first hold or on a limb "
          "softer than that, from %g s held twice what the hold took by then, %d-%d %%); a filling chamber "
          "whose own sensor has come within a sixteenth of its target and does not settle there within %g s "
          "(the pump's top-ups leave as fast as they come)" % (
              limits.LEAK_DROP_DMMHG // 10, limits.LEAK_DROP_MS / 1000, limits.HOLD_AIR_PCT,
              limits.HOLD_AIR_PCT_PER_MIN, limits.AIR_MIN_MS / 1000, limits.HOLD_CREEP_PCT, limits.HOLD_CREEP_FIRST_PCT,
              limits.HOLD_FRONT_MS / 1000, limits.HOLD_CREEP_PCT, limits.HOLD_CREEP_MOST_PCT,
              limits.NEAR_TARGET_MS / 1000),
          _LATCH, _FLASHES, _CLEAR, {}, 0, "", {_PULSED: _SHUT_IN}),
    Fault("hose-off", "fill", ("NO_RISE", "FILL_TIMEOUT", "LEAK", "SENSOR", "AIR", "GARMENT", "NO_BOOT"),
          {"inlet+vent": limits.NO_RISE_MS + _SENSOR_LAG_MS, _PULSED: 2 * limits.NO_RISE_MS + 4 * _SENSOR_LAG_MS},
          "the pump feeds the chamber and its reading does not rise (the single-sensor build reads a chamber only "
          "in the pauses between pump pulses, the manifold jumping at each: twice the window of pulse time, and "
          "the pauses between); held, its reading falls faster "
          "than air can leave it (SENSOR); at START the garment check (GARMENT)", _LATCH, _FLASHES, _CLEAR, {}, 0,
          ""),
    Fault("kink", "fill", ("NO_RISE", "FILL_TIMEOUT", "VENT_TIMEOUT", "AIR", "SENSOR", "OVERPRESSURE"),
          limits.FILL_TIMEOUT_MS,
          "the reading does not rise while fed, the chamber misses its fill time, or its fill takes three times "
          "the air of the biggest fill so far (AIR); on the single-sensor build the manifold behind the kink "
          "jumps above the target (OVERPRESSURE) or out of the sensor's range (SENSOR)", _LATCH, _FLASHES, _CLEAR,
          {_PULSED: "chamber"}, 0, ""),
    Fault("stuck-vent", "vent", ("VENT_TIMEOUT",), "vent",
          "a chamber told to vent stays above %d mmHg" % (limits.VENTED_DMMHG // 10), _LATCH, _FLASHES, _CLEAR,
          {"inlet+vent": "chamber", _PULSED: "all"}, 0, ""),
    Fault("stuck-inlet", "fill", ("OVERPRESSURE", "NO_RISE", "LEAK", "VENT_TIMEOUT", "FILL_TIMEOUT", "AIR", "SENSOR",
                                  "PUMP_RUN"),
          _NEXT_FILL_MS,
          "a chamber not being fed rises, or one being fed does not (its air goes elsewhere); a held chamber "
          "that only shares its air with the next one filled (neither leaves its bounds) shows at its own next "
          "fill, which takes more air than before (AIR); on the single-sensor build the manifold rises with the "
          "pump off (PUMP_RUN: air comes in)", _LATCH,
          _FLASHES, _CLEAR, {}, 0, "",
          {_PULSED: "the chamber's valve joins it to the one being filled: both fill together to what the one "
                    "sensor reads, neither above its target; the next fill takes more air than before (AIR)"}),
    Fault("dead-sensor", "now", ("SENSOR", "NO_RISE"), limits.SENSOR_STALE_MS + _TICK,
          "no fresh reading for %d ms (or, fed meanwhile, a reading that does not rise: NO_RISE); an analog "
          "sensor's dead 0 V is out of range at once, while zeroing too (more than %d mmHg from zero)" % (
              limits.SENSOR_STALE_MS, limits.SENSOR_MAX_DMMHG // 10), _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("stuck-sensor", "fill", ("NO_RISE", "SENSOR", "VENT_TIMEOUT"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise: within %g s, or twice the time the fill's "
          "last %d mmHg took (at least %g s), so a reading that stops while the chamber rises fast is caught "
          "before the pump has added much; a fill starts from twice what the chamber's last fill took for its "
          "first %d mmHg (three times the slowest chamber's before its own first fill), so a stiff chamber whose "
          "sensor sticks as the fill begins is not pumped blind for %g s" % (
              limits.NO_RISE_MS / 1000, limits.NO_RISE_RATE_DMMHG // 10, limits.NO_RISE_MIN_MS / 1000,
              limits.NO_RISE_RATE_DMMHG // 10, limits.NO_RISE_MS / 1000)
          + "; a held chamber's stuck reading shows when it is vented and stays up (VENT_TIMEOUT)",
          _LATCH, _FLASHES, _CLEAR, {}, _STUCK_ALLOWANCE_MMHG,
          "a reading that sticks as a fill ends, when the chamber rises fastest: the window is never shorter "
          "than what the chamber's last fill took for its first %d mmHg (a movement of a limb can show a rise "
          "no pump gives), so the pump runs blind that long (the analog board's stiffest chamber at 70 mmHg: "
          "2.4 mmHg past the margin)" % (limits.NO_RISE_RATE_DMMHG // 10)),
    Fault("pump-weak", "fill", (), 0,
          "tolerated: the fill is slower; FILL_TIMEOUT if the target cannot be reached in time, AIR if a fill "
          "takes more air than the last, NO_RISE if the reading rises too slowly for its window",
          "fills slower", "nothing, or the flashes of FILL_TIMEOUT, AIR or NO_RISE",
          _CLEAR, {}, 0, ""),
    Fault("detached-sensor", "fill", ("SENSOR", "NO_RISE", "GARMENT", "NO_BOOT"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "a reading that falls more than %d mmHg in %d ms (faster than a leak lets air out) while its chamber's "
          "vent is shut (a chamber's own sensor: twice both, and the fall standing %g s, as a movement of the "
          "limb is over sooner, the pump held off meanwhile if it lost a third), or that does not rise while "
          "fed (a top-up meanwhile); at START the garment check (GARMENT, or NO_BOOT for the one sensor of a "
          "single-sensor build)" % (
              limits.FALL_DMMHG // 10, limits.FALL_BLOCK_MS, limits.FALL_MS / 1000),
          _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("low-sensor", "fill", ("SENSOR", "AIR", "NO_RISE", "OVERPRESSURE"), 2 * limits.FILL_TIMEOUT_MS,
          "its reading steps down: more than %d mmHg below its best of a pump burst, or below %d %% of where the "
          "burst began, while the pump feeds it, "
          "when its pressure can only rise, and not back %g s later with the pump held off (a movement of the "
          "limb gives it back; after a rise faster than a fill's, or at over twice the rate of its step before, "
          "back to where that rise began, and never "
          "below %d %% of its best; after a slower one, within %d %% of its best), or as a detached sensor's "
          "while held (SENSOR); from a vented chamber, the air pumped into it "
          "against what its last fill took: more than %d %% more (at least %g s of full pump) before it reads "
          "its target, or still %d mmHg short of it with %d %% more, each allowance grown by %d times how far "
          "its fills stray from one another (AIR)" % (
              limits.FED_FALL_DMMHG // 10, limits.FED_BACK_PCT, limits.HUSH_MS / 1000, limits.FED_BACK_PCT,
              limits.FED_GIVE_PCT,
              limits.AIR_MARGIN_PCT,
              limits.AIR_MIN_MS / 1000, limits.AIR_SHORT_DMMHG // 10, limits.AIR_SHORT_PCT, limits.AIR_SPREAD),
          _LATCH, _FLASHES, _CLEAR, {}, _LOW_ALLOWANCE_MMHG,
          "a reading that turns low while its chamber is still nearly empty (40 %% of a few mmHg is no fall the "
          "limiter can tell from a fill's own ripple; on the single-sensor build the pump's pulses hide the step "
          "too), in the chamber's first fill of a session (no earlier fill to compare its air with): that fill "
          "ends when the low reading shows the target, the true pressure two thirds above it, %d mmHg past the "
          "margin at the highest level the HX710B sensors allow (55 mmHg); a fill later in the session takes more "
          "air than the one before (AIR). A sensor that already reads low when its chamber first fills in a "
          "session is not seen at all: every later fill is compared with that one (What software cannot "
          "catch)" % (_LOW_ALLOWANCE_MMHG)),
    Fault("drifting-sensor", "now", ("ZERO_OFFSET", "LEAK", "SENSOR", "NO_RISE", "AIR"), _DRIFT_MS,
          "a chamber vented for %g s reading more than %d mmHg below zero (ZERO_OFFSET); held, the top-ups that "
          "follow a reading drifting down add up to more than %d %% of the air its fill took (LEAK); at START "
          "the garment check's zeros" % (limits.VENTED_SETTLE_MS / 1000, limits.ZERO_DRIFT_DMMHG // 10,
                                         limits.HOLD_AIR_PCT),
          _LATCH, _FLASHES, _CLEAR, {}, _DRIFT_ALLOWANCE_MMHG,
          "a zero walking down in a held chamber: the top-ups follow the reading up, so the true pressure "
          "climbs with the drift until the hold's top-up air trips LEAK or the chamber vents and reads below "
          "zero (ZERO_OFFSET); near the target a top-up's air is small beside the fill's (most of a fill "
          "unfolds the bladder, and a hold may take a share more for a limb's creep), so a chamber of an "
          "8-chamber wave, held some 35-45 s, passes the margin by up to 6.5 mmHg at 30 mmHg/min of drift"),
    Fault("noisy-sensor", "now", (), 0,
          "tolerated: the limiter's margins hold; noise that looks like a fault trips as one: a reading out of "
          "range or dropping faster than air can leave (SENSOR), not rising while fed (NO_RISE), falling while "
          "held (LEAK), below zero vented (ZERO_OFFSET), the manifold rising with the pump off (PUMP_RUN)",
          "unchanged", "nothing, or the flashes of the code it tripped", _CLEAR, {}, 0, ""),
    Fault("stuck-inlet-closed", "fill", ("NO_RISE", "FILL_TIMEOUT", "SENSOR", "OVERPRESSURE", "LEAK"),
          limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise (on the single-sensor build the manifold "
          "behind the closed valve jumps above the target, OVERPRESSURE, or out of the sensor's range, SENSOR); "
          "held, its top-ups go nowhere and add up (LEAK)", _LATCH, _FLASHES, _CLEAR, {_PULSED: "chamber"}, 0, ""),
    Fault("stuck-vent-open", "fill", ("NO_RISE", "FILL_TIMEOUT", "LEAK", "SENSOR", "AIR"), limits.FILL_TIMEOUT_MS,
          "the chamber fills slowly or not at all, or loses pressure when held (faster than a leak: SENSOR)",
          _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("dead-pump", "fill", ("NO_RISE", "FILL_TIMEOUT", "SENSOR"), limits.NO_RISE_MS + _SENSOR_LAG_MS,
          "the pump feeds the chamber and its reading does not rise (on the single-sensor build the manifold "
          "drops with the pump told to run: SENSOR)", _LATCH, _FLASHES, _CLEAR, {}, 0, ""),
    Fault("stuck-pump", "now", ("PUMP_RUN", "OVERPRESSURE", "HARD_LIMIT", "SENSOR"), limits.PUMP_MAX_ON_MS,
          "the manifold sensor rises with the pump told off and the valves left as they are (single-sensor "
          "build: PUMP_RUN)", _LATCH, _FLASHES, "cut the power",
          {_PULSED: "all"}, 0, "", {"inlet+vent": "no sensor on the manifold behind the closed inlets"}),
    Fault("hang", "now", ("reset",), limits.WDT_TIMEOUT_MS + _TICK,
          "the pump driver's own lease turns the pump off within %d ms of the last command; the watchdog, fed "
          "only after the limiter passed, resets the chip (a loop that stops while every output is still safe, "
          "idle before the first session, is left stopped: the watchdog is armed only once an output leaves the "
          "safe state, so the REPL stays reachable)" % limits.PUMP_LEASE_MS, "pump off by its lease, then "
          "boot.py vents every chamber", "the board restarts idle", "the restart itself", {}, 0, ""),
    Fault("power-cycle", "now", (), 0,
          "none needed: without power the pump stops and normally-open vents open; the chip starts idle",
          "boot.py vents every chamber; zeroing waits for three readings in a row that agree (a chamber still "
          "venting is no zero), and a vented chamber reading below zero later trips ZERO_OFFSET",
          "the board restarts idle", "the restart itself", {}, 0, ""),
)

BY_KIND = {f.kind: f for f in FAULTS}
VENTED_MMHG = 5.0  # "every chamber vented": below this
VENT_WITHIN_MS = 10000  # ... every chamber that can vent is below SAFE_MMHG this soon after detection
SAFE_MMHG = 15.0
MARGIN_MMHG = _MARGIN

# What software cannot catch on any board, and the hardware backstop for it.
EVERY_BOARD = (
    "A sensor that reads low (a gain lost, a leaky sense tube) from before its chamber's first fill of a "
    "session: the firmware learns each chamber's air from its own fills, so it has nothing to compare that "
    "chamber with, and fills it until the low reading shows the target, every cycle (at 60 %% gain the true "
    "pressure is two thirds above the target; on the single-sensor build every chamber). Backstop: a "
    "mechanical relief valve on the manifold set below the hard limit (%d mmHg), and checking the sensors "
    "against a gauge (README: Calibrating analog sensors) before strapping the boot on." % (
        limits.HARD_LIMIT_DMMHG // 10)
    + " A leak in a chamber held less than %g s at a time, when it is there from the chamber's first hold "
    "of a session or takes no more air than a limb's creep (up to %d %% of a fill's air a hold, %d %% on a "
    "soft limb whose creep comes early): on a "
    "limb the tissue creeping away under a bladder takes top-ups as a leak does in a hold's first "
    "seconds, and the firmware allows each chamber what its earlier holds took; a faster leak shows in "
    "the next fill's air (AIR) or the fill not settling (LEAK). It lowers that chamber's pressure, never "
    "raises one. " % (limits.HOLD_CREEP_MS / 1000, limits.HOLD_CREEP_PCT, limits.HOLD_CREEP_MOST_PCT)
    + "A kink that still lets a small, stiff chamber (a bottle on the bench) fill and vent within their time "
    "limits: to the firmware it is a slower pump. Backstop for both: watching each chamber's pressure "
    "with `pulseboot monitor` on the bench (a bottle per hose, README: Build and flash) and now and then "
    "in use: a chamber that sags in its holds, or fills slower than it did.")
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
    if fault.bound_ms == "vent":  # (the limiter trips on the first tick past its limit)
        if board.get("topology") == "inlet+exhaust":
            return limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS * board["chambers"] + _TICK
        return limits.VENT_TIMEOUT_MS + _TICK
    if isinstance(fault.bound_ms, dict):  # per valve topology
        return fault.bound_ms[board.get("topology", "inlet+vent")]
    return fault.bound_ms


def _bound_text(fault):
    if fault.bound_ms == "vent":
        return "%g s (%g s per chamber through a shared exhaust), and the tick that sees it" % (
            limits.VENT_TIMEOUT_MS / 1000, limits.VENT_TIMEOUT_SHARED_PER_CHAMBER_MS / 1000)
    if isinstance(fault.bound_ms, dict):
        return "; ".join("%g s on %s" % (ms / 1000, t) for t, ms in fault.bound_ms.items())
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
        if f.allowance_mmhg:
            detect += "; allowed %d mmHg above the margin: %s" % (f.allowance_mmhg, f.why)
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            f.kind, shows[f.shows], detect, codes, bound, f.response, f.user_sees, f.cleared))
    lines += ["", "## What software cannot catch", ""]
    lines += ["- **every board**: " + EVERY_BOARD]
    for topology, text in HARDWARE.items():
        lines.append("- **%s**: %s" % (topology, text))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    check()
    print(markdown(), end="")
