# A small crash log on flash that can never fill it: each entry is one line appended
# at the end, and the oldest whole lines are dropped to keep the file under `limit`
# bytes. Only the end of an oversized file is ever read, so a damaged log costs no RAM.


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
