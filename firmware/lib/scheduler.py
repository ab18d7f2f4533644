# Which chamber does what now: the wave from the foot (chamber 0) upward.
# The scheduler only says VENT / HOLD / FILL and a target per chamber; the
# regulator makes it so and reports back when a chamber has reached its target.
from micropython import const

import limits
import programs

# Chamber modes.
VENT = const(0)
HOLD = const(1)
FILL = const(2)

# Cycle phases.
STOPPED = const(0)
WAVE = const(1)  # chambers filling in turn, distal first
RELEASE = const(2)  # every chamber open to atmosphere until all are vented
REST = const(3)  # stay vented while the limb refills


class Scheduler:
    def __init__(self, chambers):
        self.chambers = chambers
        self.mode = [VENT] * chambers
        self.target = [0] * chambers  # what the regulator aims for now
        self.peak = [0] * chambers  # this cycle's target per chamber (limiter margin base)
        self.phase = STOPPED
        self.active = 0  # the chamber the wave is at
        self.cycles = 0  # completed cycles since start
        self._index = 0  # the program's, in programs.PROGRAMS
        self._level = 0
        self._timer = 0  # ms left in the current dwell / release / rest
        self._lag = 0  # (kind WAVE) ms until the zone below the active one lets go, 0 none pending
        self._clearing = 0  # clearing pulses left before the first wave
        # In a wave: the active chamber has reached its target and dwells. In REST: the rest
        # before the first wave (no cycle ends with it).
        self._dwelling = False
        # Time every chamber has been vented in one go; at power-on the limb is taken as rested.
        self.rested_ms = 0x3FFFFFFF

    def rest(self, dt, pressure):
        """Every tick (once the readings are pressures): how long every chamber has been vented."""
        rested = self.rested_ms
        self.rested_ms = (rested + dt if rested < 0x3FFFFFFF else rested) if self._all_vented(pressure) else 0

    def start(self, program_index, level, least=0):
        """Begin a fresh cycle. Every chamber stays vented for the program's refill time (REST_MS)
        before any wave: after a pause or a stop the rest of it comes first, and at least `least`
        ms. The cycle count is the caller's to reset."""
        self._level = level
        self._index = program_index
        p = programs.PROGRAMS[program_index]
        self._clearing = p[programs.CLEAR_PASSES] * min(p[programs.CLEAR_ZONES], self.chambers)
        rest_ms = p[programs.REST_MS] - self.rested_ms
        if rest_ms < least:
            rest_ms = least
        if rest_ms > 0:
            self.stop()
            programs.fill_targets(program_index, self.chambers, level, self.peak)
            self.phase = REST
            self._timer = rest_ms
            self._dwelling = True  # (a rest before the first wave)
            return
        self._begin_cycle()

    def set_level(self, level):
        """Takes effect at the next cycle: a wave is never re-targeted halfway."""
        self._level = level

    def stop(self):
        self.phase = STOPPED
        self._dwelling = False
        for i in range(self.chambers):
            self.mode[i] = VENT
            self.target[i] = 0

    def _begin_cycle(self):
        programs.fill_targets(self._index, self.chambers, self._level, self.peak)
        self.stop()
        self.phase = WAVE
        self._lag = 0
        k = self._next_filled()
        self.active = k
        self.mode[k] = FILL
        self.target[k] = self.peak[k]

    def _next_filled(self):
        """Chamber 0, or while clearing pulses are left the next one's: the proximal zones in
        turn, most proximal first."""
        left = self._clearing
        if not left:
            return 0
        zones = min(programs.PROGRAMS[self._index][programs.CLEAR_ZONES], self.chambers)
        return self.chambers - zones + (left - 1) % zones

    def step(self, dt, reached, pressure):
        phase = self.phase
        if phase == WAVE:
            self._wave(dt, reached)
        elif phase == RELEASE:
            self._timer -= dt
            if self._timer <= 0 and self._all_vented(pressure):
                self.phase = REST
                self._timer = programs.PROGRAMS[self._index][programs.REST_MS]
        elif phase == REST:
            self._timer -= dt
            # The next wave starts from empty chambers: one that has not vented (a stuck
            # exhaust after the garment check's puffs) holds it back, and the limiter's
            # VENT_TIMEOUT, not the wave, decides what happens to it.
            if self._timer <= 0 and self._all_vented(pressure):
                if not self._dwelling:  # (the rest before the first wave ends no cycle)
                    self.cycles += 1
                self._begin_cycle()

    def _wave(self, dt, reached):
        # Also the clearing pulses before the first wave: each fills, holds and lets go in turn.
        p = programs.PROGRAMS[self._index]
        k = self.active
        if self._lag > 0:  # (kind WAVE) the zone below lets go OVERLAP_MS after this one began to fill
            self._lag -= dt
            if self._lag <= 0:
                self.mode[k - 1] = VENT
                self.target[k - 1] = 0
        if not self._dwelling:
            if reached[k]:
                self.mode[k] = HOLD
                self._dwelling = True
                if self._clearing:
                    self._timer = p[programs.CLEAR_HOLD_MS]
                elif k == p[programs.BOOST_ZONE]:
                    self._timer = p[programs.HOLD_MS] + p[programs.BOOST_HOLD_MS]
                else:
                    self._timer = p[programs.HOLD_MS]
            return
        self._timer -= dt
        if self._timer > 0:
            return
        self._dwelling = False
        kind = p[programs.KIND]
        if self._clearing:
            self.mode[k] = VENT
            self.target[k] = 0
            self._clearing -= 1
            k = self._next_filled()  # (the first wave follows at once: the limb rested before the clearing)
        elif k + 1 >= self.chambers:
            self._release()
            return
        else:
            if (kind == programs.PULSE and k > 0) or self._lag > 0:
                # Distal release: the zone below lets go once the wave has passed it (a WAVE
                # zone at the latest when the next one's fill and hold outlast the overlap).
                self.mode[k - 1] = VENT
                self.target[k - 1] = 0
            if kind == programs.WAVE:
                self._lag = p[programs.OVERLAP_MS]
            k += 1
        self.active = k
        self.mode[k] = FILL
        self.target[k] = self.peak[k]

    def _release(self):
        self.stop()
        self.phase = RELEASE
        self._timer = programs.PROGRAMS[self._index][programs.RELEASE_MS]

    def _all_vented(self, pressure):
        for i in range(self.chambers):
            if pressure[i] >= limits.VENTED_DMMHG:
                return False
        return True
