# Telemetry: one compact line every control tick for a host listening on the USB serial port
# (`pulseboot monitor`; a line a tick, so `pulseboot fit` can follow every valve).
# Written digit by digit into one preallocated buffer of fixed length, so a tick that sends
# a line allocates nothing (not even a slice of it); the whole buffer is handed to `write`
# (the board's serial out).
#
# Format, version 1: ASCII, one line, fixed width for a given chamber count N, every field
# a zero-padded integer, comma-separated after the tag:
#   PB1,tttttttttt,s,pp,llll,ff,uuu,+pppp,...(N),iii,vvv,LLLL,mm,ccccc*CS\n
#   t   ms since the loop started, 10 digits (wraps after 2**30)
#   s   state: faults.STATE_NAMES index; pp: program, programs.NAMES index
#   l   the level in use, dmmHg; ff: fault, faults.NAMES index (00: none)
#   u   pump duty, %; +pppp / -pppp: each chamber's reading after zeroing, dmmHg, chamber 1
#       (distal) first, clamped to +-9999
#   iii, vvv   bit masks of fed and of vented chambers, chamber 1 = bit 0
#   LLLL  seconds left in the session; mm: the session's length, minutes
#   ccccc cycles completed (modulo 100000)
#   CS  two upper-case hex digits: the sum of every byte before '*', modulo 256
# Anything else on the port (console lines) does not start with "PB1,".
from micropython import const

VERSION = const(1)
_TAG = b"PB1,"
_COMMA = const(44)
_MINUS = const(45)
_STAR = const(42)
_ZERO = const(48)
_HEX = b"0123456789ABCDEF"
_NEWLINE = const(10)
_PLUS = const(43)
_MAX_P = const(9999)


def line_length(chambers):
    """Bytes in one line for this many chambers."""
    return 4 + 11 + 2 + 3 + 5 + 3 + 4 + 6 * chambers + 4 + 4 + 5 + 3 + 6 - 1 + 4


class Telemetry:
    """every: send a line every this many ticks; stall_us: a write that takes longer means the
    host is not reading (a native USB port can block): lines then pause for pause_ms."""

    every = 1  # a line a tick: 2.9 KB/s on 4 chambers, a quarter of a 115200-baud port
    stall_us = 5000
    pause_ms = 10000

    def __init__(self, write, chambers, ticks_us=None, ticks_diff=None):
        self._write = write
        self._n = chambers
        self._us = ticks_us
        self._diff = ticks_diff
        self._buf = bytearray(line_length(chambers))
        self._buf[0:len(_TAG)] = _TAG
        self._count = 0
        self._t = 0
        self._paused_ms = 0
        self.lines = 0  # lines sent
        self.stalls = 0  # writes that took longer than stall_us

    def tick(self, dt, ctrl):
        """Once per control tick; sends a line every `every` ticks unless paused."""
        self._t = (self._t + dt) & 0x3FFFFFFF
        if self._paused_ms > 0:
            self._paused_ms -= dt
            return
        self._count += 1
        if self._count < self.every:
            return
        self._count = 0
        self._fill(ctrl)
        us = self._us
        start = us() if us is not None else 0
        self._write(self._buf)
        self.lines += 1
        if us is not None and self._diff(us(), start) > self.stall_us:
            self.stalls += 1
            self._paused_ms = self.pause_ms

    def _fill(self, ctrl):
        i = self._put(len(_TAG), self._t, 10)
        i = self._put(i, ctrl.state, 1)
        i = self._put(i, ctrl.program, 2)
        i = self._put(i, ctrl.level_in_use(), 4)
        i = self._put(i, ctrl.fault, 2)
        i = self._put(i, ctrl.pump, 3)
        pressure = ctrl.pressure
        inlet = ctrl.inlet
        vent = ctrl.vent
        fed = 0
        vented = 0
        buf = self._buf
        for k in range(self._n):
            p = pressure[k]
            if p < 0:
                buf[i] = _MINUS
                p = -p
            else:
                buf[i] = _PLUS
            i = self._put(i + 1, p if p < _MAX_P else _MAX_P, 4)
            if inlet[k]:
                fed |= 1 << k
            if vent[k]:
                vented |= 1 << k
        i = self._put(i, fed, 3)
        i = self._put(i, vented, 3)
        i = self._put(i, ctrl.session_left_ms // 1000, 4)
        i = self._put(i, ctrl.session_ms // 60000, 2)
        i = self._put(i, ctrl.cycles % 100000, 5)
        i -= 1  # the last comma becomes the checksum's star
        total = 0
        for k in range(i):
            total += buf[k]
        buf[i] = _STAR
        buf[i + 1] = _HEX[(total >> 4) & 15]
        buf[i + 2] = _HEX[total & 15]
        buf[i + 3] = _NEWLINE

    def _put(self, i, value, width):
        """Write value (>= 0) as `width` zero-padded digits and a comma at i; the index after."""
        buf = self._buf
        j = i + width - 1
        while j >= i:
            buf[j] = _ZERO + value % 10
            value //= 10
            j -= 1
        buf[i + width] = _COMMA
        return i + width + 1
