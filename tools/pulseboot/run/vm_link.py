"""The device shell inside the MicroPython VM: `pulseboot sim --vm micropython`.

The unmodified firmware/boot.py and main.py, with every driver, run in the MicroPython unix
port on the same fake pins as under CPython (pulseboot/fakeboard run
there too, started by tools/mp/sil_shell.py); the plant stays here. The fake time.sleep_ms()
in the VM ends a tick: it sends the row (controller state, fault, belief, the pump and valves
as the pins drive them) and the outputs the plant must run with, and waits for the sensor
readings after that step. Everything the parts power up with (HX710B phases, the 74HC595's
contents) is drawn here from the seed and sent, so both interpreters meet the same board.

Protocol (text; the VM writes lines on its stderr, its stdout is the firmware's console):
  host -> VM, first line: JSON {root, board, main, boot, spans, phases, shift, readings,
                                stop_ms, tail_ms, end_ms}
  VM -> host: "T state program fault u16 fed vented P1..PN K1..KN S L B"  a control tick
              (indices; u16 the pump's duty_u16; fed/vented bit masks, chamber 1 = bit 0;
              P the belief, K the wave's peak targets, dmmHg; S the session's ms left;
              L the status LED lit, B the buzzer sounding: 1 or 0)
              "X code program fault u16 fed vented [P1..PN]"       a row after a reset
              (code 0) or after main() returned (code 1); program -1: no controller
              "A ms u16 inlet vent exhaust"    run the plant ms (masks as the plant takes them);
              the host answers with the readings after the step and a board event (0, or
              1 + the index of a BOARD_FAULTS kind that happens now), each in FIELD
              characters, the last one ending in a newline: a fixed-size frame, one read()
              "E ended feeds [state program cycles hard_limit U L1..LC]"   the end
              (U the level in use, L each program's level, dmmHg)
"""
import json
import os
import subprocess
import tempfile

from pulseboot import fw, installed
from pulseboot.fakeboard.world import BOARD_FAULTS, draw, sensor_count
from pulseboot.run.scenario import final_state, inject_due, pump_percent
from pulseboot.run.vm_process import VMError, death_message, end_process, pin_together

SHELL = fw.ROOT / "tools" / "mp" / "sil_shell.py"
# Above the ~100 KB an ESP32 leaves free: the fakes and the shell live in this heap too.
HEAPSIZE = "512k"
FIELD = 8  # characters per reading in a reply frame, as sil_shell.FIELD


class _Masks(dict):
    """bit mask -> list of 0/1 per chamber, each list made once."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def __missing__(self, mask):
        bits = [(mask >> i) & 1 for i in range(self.n)]
        self[mask] = bits
        return bits


def run_in_vm(job, rec, heapsize=HEAPSIZE, pin=True):
    """Run the job (see device_shell._run) with the firmware in the VM; returns what
    device_shell._run_here does (ended, sim_ms, wdt_feeds, console, final; world and ctrl None)."""
    board = job["board"]
    plant = job["plant"]
    readings = [0] * sensor_count(board)
    plant.read_sensors(readings)
    phases, shift = draw(board, job["seed"])
    config = {"root": job["root"], "board": board["name"], "main": job["main"], "boot": job["boot"],
              "spans": job["spans"], "phases": phases, "shift": shift, "readings": readings,
              "stop_ms": job["stop_ms"], "tail_ms": job["tail_ms"], "end_ms": job["end_ms"]}
    console = tempfile.TemporaryFile()  # a file, not a pipe: it can never fill and block the VM
    cmd = [installed.tool("micropython"), "-X", "heapsize=" + heapsize, str(SHELL), str(fw.ROOT)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=console, stderr=subprocess.PIPE, bufsize=0)
    affinity = pin_together(proc.pid) if pin else None
    link = _Link(proc, console)
    try:
        link.send(json.dumps(config).encode() + b"\n")
        return link.serve(job, rec, readings)
    finally:
        link.close()
        if affinity:
            try:
                os.sched_setaffinity(0, affinity)
            except OSError:
                pass


class _Reported:
    """The controller's end state as the VM reported it, shaped like a Controller."""

    def __init__(self, v):
        self.state, self.program, self.cycles = v[0], v[1], v[2]
        self.limiter = self
        self.hard_limit = v[3]
        self._in_use = v[4]
        self.levels = v[5:]

    def level_in_use(self):
        return self._in_use


class _Link:
    def __init__(self, proc, console):
        self.proc = proc
        self.console = console
        self.ticks = 0
        self._in = proc.stdin.fileno()
        self._out = os.fdopen(os.dup(proc.stderr.fileno()), "rb", buffering=1 << 16)

    def send(self, data):
        try:
            os.write(self._in, data)
        except OSError:
            self.die("its input pipe closed")

    def serve(self, job, rec, readings):
        """Answer the VM until it reports the end."""
        board = job["board"]
        n = board["chambers"]
        plant = job["plant"]
        pending = list(job["pending"])
        masks = _Masks(n)
        frame = ("%" + str(FIELD - 1) + "d ") * (len(readings) + 1)  # the readings, then a board event
        frame = frame[:-1] + "\n"
        t = 0
        readline = self._out.readline
        while True:
            line = readline()
            if not line:
                self.die("no reply")
            kind = line[:1]
            f = line.split()
            try:
                if kind == b"A":
                    ms = int(f[1])
                    plant.step(ms, int(f[2]) * 100 / 65535, masks[int(f[3])], masks[int(f[4])], int(f[5]))
                    plant.read_sensors(readings)
                    t += ms
                    event = 0
                    while pending and pending[0].at_ms <= t and pending[0].kind in BOARD_FAULTS:
                        event = BOARD_FAULTS.index(pending.pop(0).kind) + 1  # the VM's fake board fails
                    if inject_due(pending, t, plant):  # after the step, before the reads
                        plant.read_sensors(readings)
                    self.send((frame % (*readings, event)).encode())
                    self.ticks += 1
                elif kind == b"T":
                    v = list(map(int, f[1:]))
                    rec.tick(t, v[0], v[1], v[2], pump_percent(v[3]), v[6:6 + n], v[6 + n:6 + 2 * n],
                             masks[v[4]], masks[v[5]], v[6 + 2 * n], v[7 + 2 * n], v[8 + 2 * n])
                elif kind == b"X":
                    v = list(map(int, f[2:]))
                    state = "RESET" if f[1] == b"0" else "REPL"
                    if v[0] < 0:
                        rec.row(t, state, None, None, pump_percent(v[2]), None, masks[v[3]], masks[v[4]])
                    else:
                        rec.row(t, state, v[0], v[1], pump_percent(v[2]), v[5:5 + n], masks[v[3]], masks[v[4]])
                elif kind == b"E":
                    return self._end(f, t)
                else:
                    self.die("unexpected line", line)
            except (ValueError, IndexError):
                self.die("unexpected line", line)

    def _end(self, f, t):
        ended = f[1].decode()
        final = None
        if len(f) > 3:
            v = list(map(int, f[3:]))
            final = final_state(_Reported(v), ended)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.die("did not exit after the end")
        return {"ended": ended, "sim_ms": t, "wdt_feeds": int(f[2]), "console": self.console_text(),
                "serial": self.serial_bytes(),
                "world": None, "ctrl": None, "final": final}

    def console_text(self):
        """What the firmware printed, without its telemetry lines (the VM's stdout is its serial
        port, where a board writes them for a listening host: `pulseboot monitor`)."""
        return "".join(line for line in self.console_lines() if not line.startswith("PB1,"))

    def console_lines(self):
        return self.serial_bytes().decode(errors="replace").splitlines(keepends=True)

    def serial_bytes(self):
        """Every byte the firmware wrote on its stdout (the board's serial port)."""
        try:
            self.console.seek(0)
            return self.console.read()
        except (OSError, ValueError):
            return b""

    def die(self, what, said=b""):
        """Raise VMError: how the VM ended, at which tick, and the last lines it wrote."""
        raise VMError(death_message(self.proc, self.ticks, what, self.console_text(), self._out, said))

    def close(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        end_process(proc)
        proc.stderr.close()
        self._out.close()
        self.console.close()
