# Rare events, said on the console and kept on flash: a crash, a trip (crash.log, trips.log:
# main.py names them), a level lowered at start-up. Loaded only for one, then dropped.
# Each log entry is one line appended at the end, and the oldest whole lines are dropped
# to keep the file under `limit` bytes. Only the end of an oversized file is ever read, so a
# damaged log costs no RAM.
CRASH_LOG = "/crash.log"  # under main.py's root, kept under CRASH_LOG_BYTES
CRASH_LOG_BYTES = 2048


def report(root, err, uptime_ms, ctrl):
    """One line in root's crash log: uptime, the exception, and the controller's state and
    fault (ctrl None: it was never built)."""
    if ctrl is not None:
        from faults import STATE_NAMES

        state, fault = STATE_NAMES[ctrl.state], ctrl.fault
    else:
        state, fault = "-", 0
    append(root + CRASH_LOG, "%d ms %s: %s (state %s, fault %d)" % (uptime_ms, type(err).__name__, err, state, fault),
           CRASH_LOG_BYTES)


def amount(v, ms):
    """A trip's value or limit as the log writes it: 61.2mmHg (v in dmmHg), 1.550s (v in ms)."""
    sign = "-" if v < 0 else ""
    v = -v if v < 0 else v
    if ms:
        return "%s%d.%03ds" % (sign, v // 1000, v % 1000)
    return "%s%d.%dmmHg" % (sign, v // 10, v % 10)


def trip_line(uptime_ms, lim):
    """One trip, as the console and the trip log show it (lim: the Limiter that tripped):
    t=<ms since start> <CODE> chamber=<1..N, or - for none or the pump> value=<v> limit=<l>."""
    from faults import NAMES

    return "t=%d %s chamber=%s value=%s limit=%s" % (
        uptime_ms, NAMES[lim.fault], lim.fault_chamber + 1 if lim.fault_chamber >= 0 else "-",
        amount(lim.fault_value, lim.fault_ms), amount(lim.fault_limit, lim.fault_ms))


# The LED's notice, shown once zeroed over the idle pattern (as led.py's SETTINGS_RESET, and
# here because it is needed only here), when the level in use is below the one chosen (the
# sensors cannot watch it with the trip margin to spare): three long flashes, twice, sounded too.
LEVEL_LOWERED = (500, 250, 500, 250, 500, 1000)
LEVEL_LOWERED_MS = 2 * sum(LEVEL_LOWERED)


def lowered(ctrl, led):
    """Zeroed, the level in use is below the one chosen: one console line, and the LED's notice."""
    print("level %d lowered to %d: sensor range" % (ctrl.level // 10, ctrl.level_in_use() // 10))
    led.show(LEVEL_LOWERED, LEVEL_LOWERED_MS, 1)


# The last trips, one line each (trip_line()), oldest dropped whole past TRIP_LOG_BYTES
# (README: The trip log): written once the fault has latched and the outputs are safe, never
# inside the control tick.
TRIP_LOG = "/trips.log"
TRIP_LOG_BYTES = 1024


def note(root, uptime_ms, ctrl, led, fault, zeroing):
    """main.py's loop, between ticks, when the latched fault is not the one it saw (`fault`),
    or the first zeroing since start-up (`zeroing` True until then) is over: a new trip is
    printed on the console and appended to the trip log; zeroed with the level in use below
    the one chosen, that is said and shown. Then this module lets itself go (it is loaded for
    this only). Returns what the loop has now seen: (fault, zeroing)."""
    try:
        if ctrl.fault != fault:
            fault = ctrl.fault
            if fault:
                line = trip_line(uptime_ms, ctrl.limiter)
                print("trip", line)
                append(root + TRIP_LOG, line, TRIP_LOG_BYTES)
        if zeroing and ctrl.state:  # (faults.ZEROING is 0)
            zeroing = False
            if ctrl.level_in_use() < ctrl.level and not fault:
                lowered(ctrl, led)
    except Exception as e:  # a full or failing flash must not stop the (safe) loop
        print("note not written:", e)
    import sys

    sys.modules.pop("crashlog", None)
    return fault, zeroing


def append(path, line, limit=2048):
    data = line.replace("\n", " ").encode()[: limit - 1] + b"\n"
    room = limit - len(data)
    old = b""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            start = size - room if size > room else 0
            f.seek(start)
            old = f.read()
            if start:
                cut = old.find(b"\n")  # drop the partial oldest line
                old = old[cut + 1:] if cut >= 0 else b""
    except OSError:
        pass  # no log yet
    with open(path, "wb") as f:
        f.write(old)
        f.write(data)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
