"""The MicroPython unix port as a child process: find it, keep it beside us, end it, and say
in one line how it died."""
import collections
import os
import subprocess

_STDERR_TAIL = 3  # lines of the VM's stderr quoted when it dies


class VMError(RuntimeError):
    """The MicroPython VM died or answered nonsense; str() is one line."""


def _current_cpu():
    """The CPU this thread runs on (Linux), or None."""
    try:
        with open("/proc/thread-self/stat") as f:
            return int(f.read().rpartition(")")[2].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def pin_together(pid):
    """Keep the VM and the calling thread on one CPU; returns the thread's old CPU set, or None.

    The two take turns and never run at once, and waking a process on another CPU costs
    several times more than a whole control tick: pinned, a run is about three times faster.
    close() gives the thread its CPU set back.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        before = os.sched_getaffinity(0)
        if len(before) < 2:
            return None
        cpu = _current_cpu()
        cpu = cpu if cpu in before else min(before)
        os.sched_setaffinity(pid, {cpu})
        os.sched_setaffinity(0, {cpu})
        return before
    except OSError:
        return None


def _tail(text):
    """The last few lines of text, on one line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(collections.deque(lines, _STDERR_TAIL))[-400:]


def end_process(proc):
    """Close its input (the shells exit on end of input) and wait; kill it if it hangs."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def death_message(proc, ticks, what, console_text, out, said=b""):
    """How the VM ended, at which tick, and the last lines it wrote, on one line."""
    status = None
    if proc is not None:
        try:
            status = proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
    # The unix port prints an uncaught exception (say, one raised while importing the
    # firmware) on stdout; the shells print their own on stderr. Quote whichever has text.
    tail = _tail(console_text)
    if not tail:
        rest = b""
        if status is not None:
            try:
                rest = out.read()
            except (OSError, ValueError):
                pass
        tail = _tail((said + rest).decode(errors="replace"))
    where = "at start-up" if ticks == 0 else "at tick %d" % ticks
    state = "exited with status %s" % status if status is not None else "is still running"
    return "MicroPython VM %s %s (%s)%s" % (state, where, what, ": " + tail if tail else "")
