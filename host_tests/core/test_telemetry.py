# The telemetry line (firmware/lib/telemetry.py): its format, its checksum, one line every
# few ticks, no allocation, and a stalled host never holding up the loop. Runs under CPython
# and under MicroPython (run.py), where heap_lock() makes "allocates nothing" real.
import micropython

import telemetry


class Ctrl:
    """The attributes a Controller shows, set by hand."""

    def __init__(self, chambers):
        self.state = 2
        self.program = 1
        self.fault = 0
        self.pump = 100
        self.pressure = [0] * chambers
        self.inlet = [0] * chambers
        self.vent = [1] * chambers
        self.session_left_ms = 1799999
        self.session_ms = 1800000
        self.cycles = 3
        self._level = 550

    def level_in_use(self):
        return self._level


class Port:
    def __init__(self):
        self.lines = []
        self.delay_us = 0

    def write(self, data):
        self.lines.append(bytes(data))


class Clock:
    def __init__(self, port):
        self.us = 0
        self.port = port

    def ticks_us(self):
        self.us += self.port.delay_us
        return self.us

    @staticmethod
    def ticks_diff(a, b):
        return a - b


def checksum(line):
    body, star, tail = line.rpartition(b"*")
    total = 0
    for b in body:
        total += b
    return star == b"*" and tail == b"%02X\n" % (total & 255)


def test_a_line_every_few_ticks_in_the_documented_format():
    port = Port()
    ctrl = Ctrl(4)
    ctrl.pressure[:] = [452, 401, -3, 0]
    ctrl.inlet[1] = 1
    ctrl.vent[:] = [0, 0, 1, 1]
    tm = telemetry.Telemetry(port.write, 4)
    tm.every = 4
    for _ in range(8):
        tm.tick(25, ctrl)
    assert len(port.lines) == 2 and tm.lines == 2
    line = port.lines[0]
    assert line.startswith(b"PB1,0000000100,2,01,0550,00,100,+0452,+0401,-0003,+0000,002,012,1799,30,00003*"), line
    assert checksum(line), line
    assert len(line) == telemetry.line_length(4)  # every line of a board is as long
    assert port.lines[1].startswith(b"PB1,0000000200,")


def test_every_value_round_trips_through_the_digits():
    port = Port()
    ctrl = Ctrl(8)
    values = [0, 7, 10, 99, 100, 1234, -1, -2000]
    ctrl.pressure[:] = values
    ctrl.pressure[7] = 32767  # a saturated reading is clamped to +9999
    values[7] = 9999
    ctrl.session_left_ms = 0
    tm = telemetry.Telemetry(port.write, 8)
    tm.every = 1
    tm.tick(25, ctrl)
    fields = port.lines[0].split(b"*")[0].split(b",")
    assert [int(f) for f in fields[7:15]] == values
    assert int(fields[-3]) == 0 and len(fields) == 20
    assert len(port.lines[0]) == telemetry.line_length(8)


def test_a_tick_allocates_nothing():
    port = Port()
    sent = [0]

    def write(view):
        sent[0] += len(view)  # the real port copies the bytes out; it keeps no reference

    ctrl = Ctrl(8)
    ctrl.pressure[:] = [-1999, 3000, 123, 45, 6, 0, 999, 1000]
    clock = Clock(port)
    tm = telemetry.Telemetry(write, 8, clock.ticks_us, clock.ticks_diff)
    tm.every = 4
    micropython.heap_lock()
    try:
        for _ in range(400):
            tm.tick(25, ctrl)
    finally:
        micropython.heap_unlock()
    assert tm.lines == 100 and sent[0] > 100 * 40


def test_a_stalled_port_pauses_the_lines():
    port = Port()
    clock = Clock(port)
    tm = telemetry.Telemetry(port.write, 4, clock.ticks_us, clock.ticks_diff)
    tm.every = 4
    ctrl = Ctrl(4)
    port.delay_us = 20000  # each write seems to take 20 ms: nobody is reading
    for _ in range(4):
        tm.tick(25, ctrl)
    assert tm.lines == 1 and tm.stalls == 1
    for _ in range(tm.pause_ms // 25):
        tm.tick(25, ctrl)
    assert tm.lines == 1  # paused: the loop never waits on the port again meanwhile
    port.delay_us = 0
    for _ in range(8):
        tm.tick(25, ctrl)
    assert tm.lines == 3
