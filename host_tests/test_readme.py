"""The README is the front door: its commands, fault table and limit figures must stay true."""
import re

from pulseboot import fw
from pulseboot.report import fault_text

README = (fw.ROOT / "README.md").read_text()
L = fw.limits


def test_two_commands_on_a_fresh_machine_are_the_makefile_targets():
    makefile = (fw.ROOT / "Makefile").read_text()
    for target in ("sim", "test"):
        assert "make %s" % target in README
        assert re.search(r"^%s:" % target, makefile, re.M)
    assert "make test" in (fw.ROOT / ".ci" / "run").read_text()


def test_fault_table_matches_the_firmware():
    assert sorted(fault_text.MEANINGS) == sorted(fw.faults.NAMES[1:]), "every fault code needs its sentence"
    for name in fw.faults.NAMES[1:]:
        assert "| `%s` | %s |" % (name, fault_text.meaning(name)) in README, name


def test_limit_figures_match_the_limits_table():
    figures = [
        "ceiling %g mmHg" % (L.HARD_LIMIT_DMMHG / 10),
        "more than %g mmHg above its own target" % (L.TRIP_MARGIN_DMMHG / 10),
        "more than %g s without a pause" % (L.PUMP_MAX_ON_MS / 1000),
        "within %g s" % (L.FILL_TIMEOUT_MS / 1000),
        "below %g mmHg within %g s" % (L.VENTED_DMMHG / 10, L.VENT_TIMEOUT_MS / 1000),
        "outside %g..%g mmHg" % (L.SENSOR_MIN_DMMHG / 10, L.SENSOR_MAX_DMMHG / 10),
        "older than %g s" % (L.SENSOR_STALE_MS / 1000),
        "falls more than %g mmHg below its highest" % (L.LEAK_DROP_DMMHG / 10),
        "and stays there %g s trips `LEAK`" % (L.LEAK_DROP_MS / 1000),
        "more than %g %% of the air its fill took (%g %% more per minute held)" % (
            L.HOLD_AIR_PCT, L.HOLD_AIR_PCT_PER_MIN),
        "first hold may take %g %% of its fill's air until %g s" % (L.HOLD_CREEP_FIRST_PCT, L.HOLD_FRONT_MS / 1000),
        "twice what it took in those %g s" % (L.HOLD_FRONT_MS / 1000),
        "(%g-%g %%: creep comes" % (L.HOLD_CREEP_PCT, L.HOLD_CREEP_MOST_PCT),
        "a hold on a limb whose holds take more than %g %% the same" % L.HOLD_CREEP_PCT,
        "(never more than %g %%), but only in its first" % L.HOLD_CREEP_PCT,
        "but only in its first %g s" % (L.HOLD_CREEP_MS / 1000),
        "still above it %g s later trips" % (L.OVERPRESSURE_MS / 1000),
        "has not commanded it for %g s" % (L.PUMP_LEASE_MS / 1000),
        "twice the time its last %g mmHg took (never below %g s, nor below what its last" % (
            L.NO_RISE_RATE_DMMHG / 10, L.NO_RISE_MIN_MS / 1000),
        "falls more than %g mmHg within %g s" % (L.FALL_DMMHG / 10, L.FALL_BLOCK_MS / 1000),
        "(%g mmHg below its lowest of the %g s before)" % (2 * L.FALL_DMMHG / 10, 2 * L.FALL_BLOCK_MS / 1000),
        "the fall must stand for %g s:" % (L.FALL_MS / 1000),
        "falls more than %g mmHg below its best of a pump burst" % (L.FED_FALL_DMMHG / 10),
        "holds the pump off for %g s" % (L.HUSH_MS / 1000),
        "before already held, within %g %% of the best" % L.FED_GIVE_PCT,
        "has not settled there within %g s" % (L.NEAR_TARGET_MS / 1000),
        "needs %g %% more air (pump duty x time, at least %g s of full pump)" % (
            L.AIR_MARGIN_PCT, L.AIR_MIN_MS / 1000),
        "still reads %g mmHg short of it with %g %% more" % (L.AIR_SHORT_DMMHG / 10, L.AIR_SHORT_PCT),
        "vented for %g s that reads more than %g mmHg below zero" % (
            L.VENTED_SETTLE_MS / 1000, L.ZERO_DRIFT_DMMHG / 10),
        "above %g mmHg for more than %g s in one go" % (L.TOURNIQUET_DMMHG / 10, L.TOURNIQUET_MS / 1000),
        "has not risen %g mmHg in %g s of pumping" % (L.NO_RISE_DMMHG / 10, L.NO_RISE_MS / 1000),
        "and the %g mmHg margin" % (L.TRIP_MARGIN_DMMHG / 10),
    ]
    prose = " ".join(README.split())  # (the README wraps its lines anywhere)
    for text in figures:
        assert text in prose, text


def test_safety_notice_says_not_a_medical_device():
    assert "not a medical device" in README


def test_program_inflate_times_stay_under_the_table_ceiling():
    P = fw.programs
    for rec in P.PROGRAMS:
        assert rec[P.INFLATE_MS] <= L.FILL_TIMEOUT_MS
        assert "%g s in every built-in program" % (rec[P.INFLATE_MS] / 1000) in README


def test_zeroing_figures_match_the_controller():
    import controller

    prose = " ".join(README.split())
    assert "%g s windows until three windows in a row agree within %g mmHg" % (
        controller._ZERO_WINDOW_MS / 1000, controller._ZERO_AGREE_DMMHG / 10) in prose
    assert "never settles within %g s" % (controller.Controller.zero_timeout_ms / 1000) in prose
