# Therapy programs as data: a record per program, interpreted by scheduler.py. Adding a
# program is adding a record (and its words on the host: tools/pulseboot/docs.py).
# Chamber 0 is the most distal (the foot). Pressures in dmmHg (tenths of mmHg), times in ms.
# /programs.json adds its own records at start-up (program_file.py).
from micropython import const

# How the wave lets go of the zones behind it.
GRADIENT = const(0)  # every chamber holds until the most proximal has held, then all vent
PULSE = const(1)  # a zone lets go once the zone above it has filled and held (distal release)
WAVE = const(2)  # a zone lets go OVERLAP_MS after the zone above it starts filling (peristaltic)

# Field positions in a program record (all integers but TARGETS).
KIND = const(0)
LEVEL_DEFAULT = const(1)  # the level: the highest target (before a boost), UP/DOWN move it
LEVEL_MIN = const(2)
LEVEL_MAX = const(3)
PROXIMAL_PM = const(4)  # most proximal target, per mille of the level; the rest interpolated
INFLATE_MS = const(5)  # time one chamber may take to reach its target
HOLD_MS = const(6)  # dwell at target before the wave moves on (the last: before release)
RELEASE_MS = const(7)  # least time every chamber stays open to atmosphere after the wave
REST_MS = const(8)  # further vented time before the next cycle (limb refills)
OVERLAP_MS = const(9)  # WAVE: a zone holds this long after the one above it starts filling
BOOST_ZONE = const(10)  # the chamber held higher and longer, -1 none
BOOST_DMMHG = const(11)  # added to that chamber's target
BOOST_HOLD_MS = const(12)  # added to its hold
CLEAR_ZONES = const(13)  # proximal chambers pulsed, proximal first, before the waves; 0 none
CLEAR_HOLD_MS = const(14)  # each clearing pulse's hold (at the chamber's own target)
CLEAR_PASSES = const(15)  # times the clearing sequence runs
TARGETS = const(16)  # per-chamber targets at LEVEL_DEFAULT (a tuple), or None: the gradient

NAMES = ("gradient", "recovery", "wave", "lymph", "boost")
PROGRAMS = (  # type: tuple[tuple, ...]
    # Hospital DVT-pump style: 45/40/35/30 mmHg on four chambers, then about a minute to refill.
    (GRADIENT, 450, 300, 800, 667, 20000, 500, 3000, 45000, 0, -1, 0, 0, 0, 0, 0, None),
    # Recovery-boot style sequential pulse: every zone at one level, distal release, short rest.
    (PULSE, 700, 300, 1200, 1000, 20000, 1500, 2000, 10000, 0, -1, 0, 0, 0, 0, 0, None),
    # Peristaltic: each zone fills while the one below still holds, 1.5 s of overlap.
    (WAVE, 500, 300, 800, 800, 20000, 1000, 2000, 15000, 1500, -1, 0, 0, 0, 0, 0, None),
    # Lymphatic drainage: two passes clearing the two most proximal chambers, then gentle
    # 50-30 mmHg gradient waves.
    (GRADIENT, 500, 300, 600, 600, 20000, 2000, 3000, 20000, 0, -1, 0, 0, 2, 1000, 2, None),
    # Recovery with chamber 2 (the calf) 10 mmHg higher and held 3 s longer.
    (PULSE, 700, 300, 1100, 1000, 20000, 1500, 2000, 10000, 0, 1, 100, 3000, 0, 0, 0, None),
)
BUILT_IN = const(5)  # the records above; program_file.py adds custom ones after them
COUNT = 5  # len(PROGRAMS), kept as a number: it grows with custom programs


def find(name):
    """Index of the program called name, or -1."""
    for i in range(len(NAMES)):
        if NAMES[i] == name:
            return i
    return -1


def clamp_level(index, level):
    p = PROGRAMS[index]
    if level < p[LEVEL_MIN]:
        return p[LEVEL_MIN]
    if level > p[LEVEL_MAX]:
        return p[LEVEL_MAX]
    return level


def fill_targets(index, chambers, level, out):
    """Write each chamber's peak target for this level into out (no allocation)."""
    p = PROGRAMS[index]
    own = p[TARGETS]
    drop = level - level * p[PROXIMAL_PM] // 1000
    last = chambers - 1
    for i in range(chambers):
        if own:
            out[i] = own[i] * level // p[LEVEL_DEFAULT]
        else:
            out[i] = level - (drop * i // last if last else 0)
    if 0 <= p[BOOST_ZONE] < chambers:
        out[p[BOOST_ZONE]] += p[BOOST_DMMHG]


def above_level(index):
    """How far the highest target may lie above the level (a boost): the level in use is
    lowered by this much more where the sensors cannot watch it."""
    return PROGRAMS[index][BOOST_DMMHG]


def held_ms(index, chambers):
    """The longest a chamber can stay pressurised in one go, at the worst (every fill taking
    its whole inflate time): in a gradient wave the first chamber holds while every other
    fills; a pulse zone holds through its own fill and the next zone's; a wave zone through
    its own and the overlap."""
    p = PROGRAMS[index]
    step = p[INFLATE_MS] + p[HOLD_MS]
    kind = p[KIND]
    if kind == GRADIENT:
        held = chambers * step
    elif kind == PULSE:
        held = min(chambers, 2) * step
    else:
        held = step + p[OVERLAP_MS]
    clear = p[INFLATE_MS] + p[CLEAR_HOLD_MS] if p[CLEAR_ZONES] else 0
    return max(held + p[BOOST_HOLD_MS], clear)


def needs_chamber_vents(index):
    """Letting one zone go while another fills or holds needs a vent per chamber."""
    p = PROGRAMS[index]
    return p[KIND] != GRADIENT or p[CLEAR_ZONES] > 0
