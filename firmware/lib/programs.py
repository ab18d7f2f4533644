# Therapy programs as data. Chamber 0 is the most distal (the foot).
# Pressures in dmmHg (tenths of mmHg), times in ms.
from micropython import const

# How the wave moves on.
GRADIENT = const(0)  # chambers fill in turn and all hold until the last one is full
PULSE = const(1)  # each zone releases once the zone above it has filled (distal release)

# Field positions in a program record (all integers; the names live in NAMES).
KIND = const(0)
LEVEL_DEFAULT = const(1)
LEVEL_MIN = const(2)
LEVEL_MAX = const(3)
_PROXIMAL_NUM = const(4)  # most proximal target = level * NUM / DEN, the rest interpolated
_PROXIMAL_DEN = const(5)
INFLATE_MS = const(6)  # time one chamber may take to reach its target
HOLD_MS = const(7)  # dwell at target before the wave moves on (the last: before release)
RELEASE_MS = const(8)  # least time every chamber stays open to atmosphere after the wave
REST_MS = const(9)  # further vented time before the next cycle (limb refills)

NAMES = ("gradient", "recovery")
PROGRAMS = (
    # Hospital DVT-pump style: 45/40/35/30 mmHg on four chambers, then about a minute to refill.
    (GRADIENT, 450, 300, 800, 2, 3, 20000, 500, 3000, 45000),
    # Recovery-boot style sequential pulse: every zone at one level, distal release, short rest.
    (PULSE, 700, 300, 1200, 1, 1, 20000, 1500, 2000, 10000),
)

COUNT = const(2)


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
    proximal = level * p[_PROXIMAL_NUM] // p[_PROXIMAL_DEN]
    drop = level - proximal
    last = chambers - 1
    for i in range(chambers):
        out[i] = level - (drop * i // last if last else 0)


def held_ms(index, chambers):
    """The longest a chamber can stay pressurised in one go, at the worst (every fill taking
    its whole inflate time): in a gradient wave the first chamber holds while every other
    fills; a pulse zone holds through its own fill and the next zone's."""
    p = PROGRAMS[index]
    held = chambers if p[KIND] == GRADIENT else min(chambers, 2)
    return held * (p[INFLATE_MS] + p[HOLD_MS])


def needs_chamber_vents(index):
    """A pulse wave vents distal zones while the pump feeds proximal ones."""
    return PROGRAMS[index][KIND] == PULSE
