"""The README's program table, written from the records in firmware/lib/programs.py (the
figures) and the words below (where each program's defaults come from), so the two cannot
drift: host_tests/test_docs.py checks the README holds exactly this table."""
from pulseboot.fw import programs as P

STYLE = {P.GRADIENT: "gradient", P.PULSE: "pulse", P.WAVE: "wave"}

# What each built-in program's defaults follow: a clinical or product figure, in a few words.
SOURCES = {
    "gradient": "hospital DVT pumps: graded sequential compression, 45 mmHg at the ankle (Kendall SCD 700 "
                "leg sleeves) falling towards the thigh, about a minute for the veins to refill",
    "recovery": "recovery boots (Normatec, RecoveryAir): every zone at one level, distal zones released as the "
                "wave moves on, 15-60 min sessions",
    "wave": "peristaltic mode of lymphedema pumps: each chamber starts filling while the one below still "
            "holds, so adjacent chambers overlap",
    "lymph": "lymphedema pumps' pre-treatment: the proximal chambers cleared first, then 30-50 mmHg gradient "
             "sequences (8-chamber pumps at 30-60 mmHg)",
    "boost": "Normatec's ZoneBoost: one chosen zone (here the calf, chamber 2) 10 mmHg higher and held longer",
}

SHOWN_CHAMBERS = 4  # the targets and the cycle are shown for the 4-chamber boards


def _s(ms):
    return "%g" % (ms / 1000)


def _targets(index, chambers, level):
    out = [0] * chambers
    P.fill_targets(index, chambers, level, out)
    return "/".join("%g" % (t / 10) for t in out)


def _extras(index):
    rec = P.PROGRAMS[index]
    parts = []
    if rec[P.KIND] == P.WAVE:
        parts.append("a zone lets go %s s after the next starts filling" % _s(rec[P.OVERLAP_MS]))
    if rec[P.CLEAR_ZONES]:
        parts.append("first %d clearing pass%s over the %d most proximal chambers, proximal first, %s s each" % (
            rec[P.CLEAR_PASSES], "es" if rec[P.CLEAR_PASSES] > 1 else "", rec[P.CLEAR_ZONES],
            _s(rec[P.CLEAR_HOLD_MS])))
    if rec[P.BOOST_ZONE] >= 0:
        parts.append("chamber %d +%g mmHg, held %s s longer" % (rec[P.BOOST_ZONE] + 1, rec[P.BOOST_DMMHG] / 10,
                                                               _s(rec[P.BOOST_HOLD_MS])))
    if P.needs_chamber_vents(index):
        parts.append("needs a vent valve per chamber")
    return "; ".join(parts) or "-"


def cycle_besides_fills_ms(index, chambers):
    """A cycle's time on `chambers` besides the fills themselves (each takes what the pump
    needs, 1-3 s on a leg): every hold, the release and the rest, and any clearing phase."""
    rec = P.PROGRAMS[index]
    ms = chambers * rec[P.HOLD_MS] + rec[P.RELEASE_MS] + rec[P.REST_MS]
    if rec[P.BOOST_ZONE] >= 0:
        ms += rec[P.BOOST_HOLD_MS]
    ms += rec[P.CLEAR_PASSES] * rec[P.CLEAR_ZONES] * rec[P.CLEAR_HOLD_MS]
    return ms


def rows():
    out = []
    n = SHOWN_CHAMBERS
    for index in range(P.BUILT_IN):
        rec = P.PROGRAMS[index]
        name = P.NAMES[index]
        fills = n + rec[P.CLEAR_PASSES] * rec[P.CLEAR_ZONES]
        out.append((
            "`%s`" % name, STYLE[rec[P.KIND]],
            "%g (%g-%g)" % (rec[P.LEVEL_DEFAULT] / 10, rec[P.LEVEL_MIN] / 10, rec[P.LEVEL_MAX] / 10),
            _targets(index, n, rec[P.LEVEL_DEFAULT]),
            "%s / %s / %s / %s" % (_s(rec[P.INFLATE_MS]), _s(rec[P.HOLD_MS]), _s(rec[P.RELEASE_MS]),
                                   _s(rec[P.REST_MS])),
            "%d fills + %s s" % (fills, _s(cycle_besides_fills_ms(index, n))),
            _extras(index), SOURCES[name]))
    return out


def table():
    head = ("program", "style", "level mmHg (range)", "targets on 4 chambers, mmHg",
            "inflate / hold / release / rest, s", "cycle on 4 chambers", "also", "defaults follow")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows()]
    return "\n".join(lines)
