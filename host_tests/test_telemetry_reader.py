"""Telemetry lines from the firmware's own writer, read back by the host (report/telemetry.py),
whole, in pieces, damaged or mixed with console text."""
import random

import pytest
from pulseboot.report.telemetry import Reader, parse

import telemetry


class Ctrl:
    def __init__(self, n):
        self.state, self.program, self.fault, self.pump = 2, 0, 0, 100
        self.pressure = [450 - 50 * i for i in range(n)]
        self.inlet = [1] + [0] * (n - 1)
        self.vent = [0] * n
        self.session_left_ms = 1_200_000
        self.session_ms = 1_800_000
        self.cycles = 12

    def level_in_use(self):
        return 450


def lines(n=4, count=10):
    out = []
    tm = telemetry.Telemetry(lambda buf: out.append(bytes(buf)), n)
    ctrl = Ctrl(n)
    for _ in range(count * tm.every):
        tm.tick(25, ctrl)
    return out


@pytest.mark.parametrize("n", [1, 4, 8])
def test_a_line_reads_back_as_a_trace_row(n):
    sample = parse(lines(n, 1)[0])
    t, state, program, fault, pump, p, s, inlet, vent = sample.row
    assert (state, program, fault, pump, p) == ("RUNNING", "gradient", "", 100, None)
    assert s == [45.0 - 5 * i for i in range(n)] and inlet == [1] + [0] * (n - 1) and vent == [0] * n
    assert t == 25 and sample.level_dmmhg == 450 and sample.left_s == 1200
    assert sample.session_min == 30 and sample.cycles == 12


def test_pieces_of_any_size_give_the_same_rows():
    data = b"".join(lines(8, 30))
    rng = random.Random(3)
    reader = Reader()
    rows = []
    i = 0
    while i < len(data):
        k = rng.randint(1, 40)
        rows += [s.row for s in reader.feed(data[i:i + k])]
        i += k
    assert len(rows) == 30 and reader.skipped == 0 and reader.chambers == 8
    assert [r[0] for r in rows] == [25 * k for k in range(30)]  # a line a tick, from the first line on


def test_damaged_lines_are_skipped_and_counted_never_raised():
    good = lines(4, 6)
    flipped = bytearray(good[1])
    flipped[20] ^= 0x01  # one bit: the checksum catches it
    cut = good[2][:30] + b"\n"  # a line cut short (a reset mid-write)
    stream = (b"settings reset: no settings file, defaults used\n" + good[0] + bytes(flipped) + cut
              + b"\x00\xff garbage PB1,,,*ZZ\n" + good[3] + b"PB1," * 2000 + b"\n" + good[4] + good[5][:-10])
    reader = Reader()
    rows = reader.feed(stream)
    assert len(rows) == 3 and reader.lines == 3
    assert reader.skipped == 4  # the flipped bit, the cut line, the garbled one, the runaway one
    assert list(reader.console) == ["settings reset: no settings file, defaults used"]
    assert len(reader.feed(good[5][-10:])) == 1  # the rest of the last line arrives


def test_a_restarted_board_keeps_the_trace_time_going():
    first = lines(4, 5)
    again = lines(4, 2)  # its clock starts at 0 again
    reader = Reader()
    rows = [s.row for s in reader.feed(b"".join(first + again))]
    times = [r[0] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
