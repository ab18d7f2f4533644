"""The firmware's Controller running inside the MicroPython unix port, driven from the host.

`RemoteController` stands in for `controller.Controller` in the simulator (`pulseboot sim
--vm micropython`): same constructor arguments, same attributes, same `step()`. Each step is
one round trip over a pipe to tools/mp/vm_shell.py, which runs the real Controller in the
MicroPython VM; the plant stays in CPython. The protocol is described in vm_shell.py.
"""
import collections
import json
import os
import subprocess
import tempfile

from . import fw, vm

SHELL = fw.ROOT / "tools" / "mp" / "vm_shell.py"
HEAPSIZE = "96k"  # an ESP32 running MicroPython has about 100 KB of free heap
BOARD_KEYS = ("name", "chambers", "topology", "sensor_at", "hard_limit_dmmhg")
FIELD = 11  # characters per tick input field, as vm_shell.FIELD: any 32-bit signed int
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


def _pin_together(pid):
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


class _Limiter:
    __slots__ = ("hard_limit",)

    def __init__(self):
        self.hard_limit = 0


class RemoteController:
    """A Controller whose code runs in MicroPython; the lists below are updated in place."""

    def __init__(self, board, ticks_diff=None, program=0, level=0, heapsize=HEAPSIZE, pin=True):
        # ticks_diff is the shell's own (the same 2**30 wrap as pulseboot.clock); accepted for
        # signature compatibility with controller.Controller.
        self._proc = self._out = self._affinity = None
        self._ticks = 0
        cmd = [vm.tool("micropython"), "-X", "heapsize=" + heapsize, str(SHELL), str(fw.ROOT)]
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: it can never fill and block the VM
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr, bufsize=0)
        self._affinity = _pin_together(self._proc.pid) if pin else None
        self._in = self._proc.stdin.fileno()
        self._out = os.fdopen(os.dup(self._proc.stdout.fileno()), "rb", buffering=1 << 16)
        config = {"board": {k: board[k] for k in BOARD_KEYS if k in board},
                  "program": int(program), "level": int(level)}
        self._send(json.dumps(config).encode() + b"\n")
        greeting = self._receive()
        hello = greeting.split()
        if len(hello) != 4 or hello[0] != b"ready":
            self._die("unexpected greeting", greeting)
        n, count, sensors = int(hello[1]), int(hello[2]), int(hello[3])
        self.chambers = n
        self.sensors = sensors
        self.pressure = [0] * n
        self.inlet = [0] * n
        self.vent = [1] * n
        self.peak = [0] * n
        self.levels = [0] * count
        self.limiter = _Limiter()
        self.state = self.program = self.fault = self.pump = self.cycles = 0
        self._width = 6 + 4 * n + count
        self._frame = " ".join(["%" + str(FIELD) + "d"] * (sensors + 2)) + "\n"  # see vm_shell.py
        self._frame_len = (sensors + 2) * (FIELD + 1)
        self._update(self._receive())

    # ---- the tick ------------------------------------------------------------------------
    def step(self, now, readings, raw_buttons):
        frame = (self._frame % (now, raw_buttons, *readings[:self.sensors])).encode()
        if len(frame) != self._frame_len:
            raise VMError("a tick input does not fit %d characters per field: %s"
                          % (FIELD, " ".join(frame.decode().split())[:80]))
        self._send(frame)
        self._ticks += 1
        self._update(self._receive())

    def _update(self, line):
        try:
            v = list(map(int, line.split()))
        except ValueError:
            v = []
        if len(v) != self._width:
            self._die("unexpected reply", line)
        (self.state, self.program, self.fault, self.pump, self.cycles,
         self.limiter.hard_limit) = v[:6]
        n = self.chambers
        k = 6
        self.pressure[:] = v[k:k + n]
        k += n
        self.inlet[:] = v[k:k + n]
        k += n
        self.vent[:] = v[k:k + n]
        k += n
        self.peak[:] = v[k:k + n]
        k += n
        self.levels[:] = v[k:]

    @property
    def level(self):
        return self.levels[self.program]

    # ---- the pipe ------------------------------------------------------------------------
    def _send(self, data):
        try:
            os.write(self._in, data)
        except (BrokenPipeError, OSError):
            self._die("its input pipe closed")

    def _receive(self):
        line = self._out.readline()
        if not line:
            self._die("no reply")
        return line

    def _die(self, what, said=b""):
        """Raise VMError: how the VM ended, at which tick, and the last lines it wrote."""
        message = death_message(self._proc, self._ticks, what, self._stderr_text(), self._out, said)
        self.close()
        raise VMError(message)

    def _stderr_text(self):
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def close(self):
        """End the VM (it exits on end of input); safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            end_process(proc)
            proc.stdout.close()
        for f in (self._out, getattr(self, "_stderr", None)):
            if f is not None:
                f.close()
        self._out = None
        affinity, self._affinity = self._affinity, None
        if affinity:
            try:
                os.sched_setaffinity(0, affinity)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to report to
            pass
