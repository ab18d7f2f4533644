# A small crash log on flash that can never fill it: each entry is one line appended
# at the end, and the oldest whole lines are dropped to keep the file under `limit`
# bytes. Only the end of an oversized file is ever read, so a damaged log costs no RAM.
def report(path, limit, err, uptime_ms, ctrl):
    """One line in the log: uptime, the exception, and the controller's state and fault
    (ctrl None: it was never built)."""
    if ctrl is not None:
        from faults import STATE_NAMES

        state, fault = STATE_NAMES[ctrl.state], ctrl.fault
    else:
        state, fault = "-", 0
    append(path, "%d ms %s: %s (state %s, fault %d)" % (uptime_ms, type(err).__name__, err, state, fault), limit)


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
