"""A real board on a serial port, as the live view and the trace see it (`pulseboot monitor`).

A Bench reads whatever the port gives in a worker thread, turns the firmware's telemetry
lines (report/telemetry.py) into trace rows and live-view Frames (run/realtime.py's), and
keeps the firmware's console lines. The LED is not on the wire: the firmware's own led.py,
fed the state and fault of every line, plays the pattern the board shows. Nothing is ever
written to the port.
"""
import threading

from pulseboot import fw
from pulseboot.report.telemetry import LINE_MS, Reader
from pulseboot.run.realtime import Frame

import led as fw_led  # firmware/lib, importable once fw is loaded

MODES = ("fill", "hold", "vent")


class Bench:
    """port: an open port with read(n) -> bytes (pyserial's Serial, with a timeout so reads
    return); on_row(row): each trace row as it arrives (e.g. a TraceWriter)."""

    def __init__(self, port, on_row=None):
        self.port = port
        self.on_row = on_row
        self.reader = Reader()
        self.frame = None
        self.error = None  # the OSError that ended the reading, if one did
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._led = None
        self._lit = []
        self._flashes = 0
        self._thread = threading.Thread(target=self._read, name="pulseboot-bench-reader", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self, timeout=2.0):
        self._stop.set()
        self._thread.join(timeout)

    @property
    def alive(self):
        return self._thread.is_alive()

    def snapshot(self):
        with self._lock:
            return self.frame

    def feed(self, data):
        """Bytes from the port (the reader thread's work; tests may call it directly)."""
        for sample in self.reader.feed(data):
            if self.on_row is not None:
                self.on_row(sample.row)
            frame = self._frame(sample)
            with self._lock:
                self.frame = frame

    def _read(self):
        while not self._stop.is_set():
            try:
                data = self.port.read(4096)
            except (OSError, ValueError) as e:  # unplugged, or closed under us
                self.error = e
                return
            if data:
                self.feed(data)

    def _frame(self, sample):
        t, state, program, fault, pump, _p, reading, inlet, vent = sample.row
        n = len(reading)
        index = fw.programs.NAMES.index(program)
        targets = [0] * n
        fw.programs.fill_targets(index, n, sample.level_dmmhg, targets)
        lit = self._play_led(state, fault)
        modes = ["fill" if inlet[i] else "vent" if vent[i] else "hold" for i in range(n)]
        level = sample.level_dmmhg / 10
        return Frame(t, state, program, fault, level, level, sample.session_min * 60000, sample.left_s * 1000,
                     sample.cycles, pump, None, reading, [x / 10 for x in targets], modes, inlet, vent, lit,
                     self._flashes, None, False, 0, 0)

    def _play_led(self, state, fault):
        """The LED over the last line's LINE_MS, as led.py plays it: lit at the end of it."""
        if self._led is None:
            self._led = fw_led.Led(self._lit.append)
        code = fw.faults.STATE_NAMES.index(state) if state in fw.faults.STATE_NAMES else fw.faults.IDLE
        number = fw.faults.NAMES.index(fault) if fault in fw.faults.NAMES else 0
        was = self._led.level
        for _ in range(LINE_MS // 25):
            self._led.update(25, code, number)
            if self._led.level and not was:
                self._flashes += 1
            was = self._led.level
        return bool(self._led.level)
