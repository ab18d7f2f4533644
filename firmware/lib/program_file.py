# Start-up only: custom programs from /programs.json, checked against this board, join the
# built-in ones (programs.py). The whole file is taken or none of it: a file with any mistake
# is refused with one line naming the field and what is allowed, the built-in programs run and
# the LED shows the settings-reset pattern. main.py lets this module go before the loop.
# The schema is in the README (Custom programs); the host's `pulseboot program check` runs
# this same code.
import json

import limits
import programs

PATH = "/programs.json"
MAX_BYTES = 4096  # read whole into RAM at start-up
MAX_PROGRAMS = 8
NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_"
NAME_MAX = 16
LOWEST_MMHG = 10  # a target must stand well clear of the 3 mmHg that counts as vented
STYLES = ("gradient", "pulse", "wave")  # programs.GRADIENT, PULSE, WAVE
# key: (least, most) in the key's unit; None: set by the board or by another key.
TIMES_S = {"inflate_s": (1, limits.FILL_TIMEOUT_MS // 1000), "hold_s": (0, 60), "release_s": (0, 60),
           "rest_s": (0, 600), "overlap_s": (0.025, 30), "boost_hold_s": (0, 60), "clear_hold_s": (0, 10)}
DEFAULTS_S = {"inflate_s": 20, "hold_s": 1, "release_s": 2, "rest_s": 20}
KEYS = ("name", "style", "level_mmhg", "level_range_mmhg", "proximal_pct", "targets_mmhg", "inflate_s",
        "hold_s", "release_s", "rest_s", "overlap_s", "boost_chamber", "boost_mmhg", "boost_hold_s",
        "clear_chambers", "clear_hold_s", "clear_passes")


def add(root, ctrl, status):
    """Read root + PATH and add its programs for ctrl's board. A refused file is said on the
    console and by the LED (status: the Device's Led); a missing one is no programs to add."""
    import sys

    sys.modules.pop("program_file", None)  # start-up only: gone once the caller lets go of it
    try:
        with open(root + PATH) as f:
            text = f.read(MAX_BYTES + 1)
    except OSError:
        return
    try:
        install(parse(text, ctrl), ctrl)
    except ValueError as e:
        print("programs.json not used, built-in programs run:", e)
        import led

        status.show(led.SETTINGS_RESET, led.SETTINGS_RESET_MS)


def install(custom, ctrl=None):
    """Put (names, records) after the built-in programs, replacing any added before."""
    names, records = custom
    programs.NAMES = programs.NAMES[:programs.BUILT_IN] + tuple(names)
    programs.PROGRAMS = programs.PROGRAMS[:programs.BUILT_IN] + tuple(records)
    programs.COUNT = len(programs.NAMES)
    if ctrl is not None:
        del ctrl.levels[programs.BUILT_IN:]
        for p in records:
            ctrl.levels.append(p[programs.LEVEL_DEFAULT])


def parse(text, ctrl, board_name="this board"):
    """(names, records) from the file's text, checked against ctrl's board; ValueError
    naming the field and what is allowed."""
    if len(text) > MAX_BYTES:
        raise ValueError("the file is over %d bytes" % MAX_BYTES)
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("not valid JSON")
    if not isinstance(data, dict) or list(data.keys()) != ["programs"]:
        raise ValueError('expected an object with one key, "programs": a list of programs')
    items = data["programs"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_PROGRAMS:
        raise ValueError("programs: expected a list of 1 to %d programs" % MAX_PROGRAMS)
    board = _Board(ctrl, board_name)
    names = []  # type: list
    records = []
    for i in range(len(items)):
        where = "programs[%d]" % i
        item = items[i]
        if not isinstance(item, dict):
            raise ValueError("%s: expected an object" % where)
        name = item.get("name")
        if isinstance(name, str):
            where += " (%s)" % name
        records.append(_record(item, where, board, names))
        names.append(name)
    saved = programs.NAMES, programs.PROGRAMS, programs.COUNT
    try:
        install((names, records))
        for i in range(len(records)):
            _check_hold(programs.BUILT_IN + i, "programs[%d] (%s)" % (i, names[i]), board.chambers)
    finally:
        programs.NAMES, programs.PROGRAMS, programs.COUNT = saved
    return names, records


class _Board:
    """What a program must fit: chambers, vents, and the highest target (dmmHg) the hard
    limit and the sensors leave room for above it with the limiter's trip margin."""

    def __init__(self, ctrl, name):
        self.name = name
        self.chambers = ctrl.chambers
        self.vents = ctrl.chamber_vents
        self.hard = ctrl.limiter.hard_limit - limits.TRIP_MARGIN_DMMHG
        self.sensor = ctrl.sensor_span - limits.TRIP_MARGIN_DMMHG

    def check(self, where, key, dmmhg):
        if dmmhg > self.hard:
            raise ValueError("%s %s: %d mmHg is above the board's ceiling: at most %d (the hard limit %d less "
                             "the %d mmHg trip margin)" % (where, key, dmmhg // 10, self.hard // 10,
                                                           (self.hard + limits.TRIP_MARGIN_DMMHG) // 10,
                                                           limits.TRIP_MARGIN_DMMHG // 10))
        if dmmhg > self.sensor:
            raise ValueError("%s %s: %d mmHg is beyond the sensor's range: at most %d (the %d mmHg it reads less "
                             "the %d mmHg trip margin)" % (where, key, dmmhg // 10, self.sensor // 10,
                                                           (self.sensor + limits.TRIP_MARGIN_DMMHG) // 10,
                                                           limits.TRIP_MARGIN_DMMHG // 10))


def _whole(item, key, where, least, most, default=None):
    v = item.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not least <= v <= most:
        raise ValueError("%s %s: expected a whole number from %d to %d, not %s" % (where, key, least, most,
                                                                              _show(item.get(key))))
    return v


def _show(v):
    text = json.dumps(v)
    return text if len(text) <= 24 else text[:21] + "..."


def _ms(item, key, where, default=None):
    least, most = TIMES_S[key]
    v = item.get(key, DEFAULTS_S.get(key, default))
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not least <= v <= most:
        raise ValueError("%s %s: expected seconds from %s to %s, not %s" % (where, key, least, most,
                                                                        _show(item.get(key))))
    return int(v * 1000 + 0.5)


def _record(item, where, board, taken):
    for key in item:
        if key not in KEYS:
            raise ValueError("%s: unknown key %s; allowed: %s" % (where, _show(key), ", ".join(KEYS)))
    name = item.get("name")
    if (not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX
            or [c for c in name if c not in NAME_CHARS]):
        raise ValueError("%s name: expected 1 to %d characters of a-z, 0-9, - and _, not %s"
                         % (where, NAME_MAX, _show(name)))
    if name in programs.NAMES[:programs.BUILT_IN] or name in taken:
        raise ValueError("%s name: %s is taken; allowed: a name other than %s" % (
            where, name, ", ".join(programs.NAMES[:programs.BUILT_IN] + tuple(taken))))
    style = item.get("style", STYLES[0])
    if style not in STYLES:
        raise ValueError("%s style: expected one of %s, not %s" % (where, ", ".join(STYLES), _show(style)))
    kind = STYLES.index(style)
    n = board.chambers
    clear = _whole(item, "clear_chambers", where, 0, n, 0)
    if (kind != programs.GRADIENT or clear) and not board.vents:
        raise ValueError("%s %s: needs a vent valve on every chamber; %s has one exhaust valve (allowed "
                         "here: style gradient without clear_chambers)" % (
                             where, "clear_chambers" if kind == programs.GRADIENT else "style", board.name))
    boost_zone = _whole(item, "boost_chamber", where, 0, n, 0) - 1
    boost = _whole(item, "boost_mmhg", where, 0, 50, 10 if boost_zone >= 0 else 0) * 10
    if boost_zone < 0 and ("boost_mmhg" in item or "boost_hold_s" in item):
        raise ValueError("%s boost_chamber: expected a chamber from 1 to %d with boost_mmhg and boost_hold_s"
                         % (where, n))
    if kind != programs.WAVE and "overlap_s" in item:
        raise ValueError("%s overlap_s: only for style wave (a zone lets go this long after the next starts "
                         "filling)" % where)
    if not clear and ("clear_hold_s" in item or "clear_passes" in item):
        raise ValueError("%s clear_chambers: expected a chamber count from 1 to %d with clear_hold_s and "
                         "clear_passes" % (where, n))
    targets = None
    if "targets_mmhg" in item:
        for key in ("level_mmhg", "proximal_pct"):
            if key in item:
                raise ValueError("%s %s: not with targets_mmhg (the level is the highest target)" % (where, key))
        own = item["targets_mmhg"]
        if not isinstance(own, list) or len(own) != n:
            raise ValueError("%s targets_mmhg: expected a list of %d whole mmHg, one per chamber of %s, "
                             "chamber 1 (distal) first, not %s" % (where, n, board.name, _show(own)))
        for t in own:
            if isinstance(t, bool) or not isinstance(t, int) or t < LOWEST_MMHG:
                raise ValueError("%s targets_mmhg: expected whole mmHg of at least %d, not %s"
                                 % (where, LOWEST_MMHG, _show(t)))
        targets = tuple(t * 10 for t in own)
        level = max(targets)
    else:
        level = _whole(item, "level_mmhg", where, LOWEST_MMHG, 1000) * 10
    pct = _whole(item, "proximal_pct", where, 10, 100, 100)
    if pct * level < LOWEST_MMHG * 1000:
        raise ValueError("%s proximal_pct: expected at least %d for level %d mmHg (the lowest target is %d mmHg)"
                         % (where, (LOWEST_MMHG * 1000 + level - 1) // level, level // 10, LOWEST_MMHG))
    lo, hi = _range(item, where, level, board, boost)
    board.check(where, "targets_mmhg" if targets else "level_mmhg", level + boost)
    passes = _whole(item, "clear_passes", where, 1, 5, 1) if clear else 0
    return (kind, level, lo, hi, pct * 10, _ms(item, "inflate_s", where), _ms(item, "hold_s", where),
            _ms(item, "release_s", where), _ms(item, "rest_s", where),
            _ms(item, "overlap_s", where) if kind == programs.WAVE else 0, boost_zone, boost,
            _ms(item, "boost_hold_s", where, 3) if boost_zone >= 0 else 0, clear,
            _ms(item, "clear_hold_s", where, 1) if clear else 0, passes, targets)


def _range(item, where, level, board, boost):
    top = min(board.hard, board.sensor) - boost
    if "level_range_mmhg" not in item:
        return max(LOWEST_MMHG * 10, level - 100), max(level, min(top, level + 100))
    r = item["level_range_mmhg"]
    if (not isinstance(r, list) or len(r) != 2 or [v for v in r if isinstance(v, bool) or not isinstance(v, int)]
            or not LOWEST_MMHG <= r[0] <= level // 10 <= r[1]):
        raise ValueError("%s level_range_mmhg: expected [lowest, highest] whole mmHg with %d <= lowest <= %d "
                         "(the level) <= highest, not %s" % (where, LOWEST_MMHG, level // 10, _show(r)))
    board.check(where, "level_range_mmhg", r[1] * 10 + boost)
    return r[0] * 10, r[1] * 10


def _check_hold(index, where, chambers):
    held = programs.held_ms(index, chambers)
    if held > limits.TOURNIQUET_MS:
        raise ValueError("%s inflate_s, hold_s: a chamber could stay pressurised %d s in one go (every fill taking "
                         "inflate_s), over the %d s tourniquet limit; allowed: shorter inflate_s, hold_s, "
                         "overlap_s or boost_hold_s" % (where, held // 1000, limits.TOURNIQUET_MS // 1000))
