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
        self._index = 0
        self._program = programs.PROGRAMS[0]
        self._level = 0
        self._timer = 0  # ms left in the current dwell / release / rest
        self._dwelling = False

    def start(self, program_index, level):
        """Begin a fresh cycle (the cycle count is the caller's to reset)."""
        self._program = programs.PROGRAMS[program_index]
        self._level = level
        self._index = program_index
        self._begin_cycle()

    def set_level(self, level):
        """Takes effect at the next cycle: a wave is never re-targeted halfway."""
        self._level = level

    def stop(self):
        self.phase = STOPPED
        for i in range(self.chambers):
            self.mode[i] = VENT
            self.target[i] = 0

    def _begin_cycle(self):
        programs.fill_targets(self._index, self.chambers, self._level, self.peak)
        for i in range(self.chambers):
            self.mode[i] = VENT
            self.target[i] = 0
        self.phase = WAVE
        self.active = 0
        self._dwelling = False
        self.mode[0] = FILL
        self.target[0] = self.peak[0]

    def step(self, dt, reached, pressure):
        phase = self.phase
        if phase == WAVE:
            self._wave(dt, reached)
        elif phase == RELEASE:
            self._timer -= dt
            if self._timer <= 0 and self._all_vented(pressure):
                self.phase = REST
                self._timer = self._program[programs.REST_MS]
        elif phase == REST:
            self._timer -= dt
            if self._timer <= 0:
                self.cycles += 1
                self._begin_cycle()

    def _wave(self, dt, reached):
        k = self.active
        if not self._dwelling:
            if reached[k]:
                self.mode[k] = HOLD
                self._dwelling = True
                self._timer = self._program[programs.HOLD_MS]
            return
        self._timer -= dt
        if self._timer > 0:
            return
        self._dwelling = False
        if k + 1 >= self.chambers:
            self._release()
            return
        if self._program[programs.KIND] == programs.PULSE and k > 0:
            # Distal release: the zone below lets go once the wave has passed it.
            self.mode[k - 1] = VENT
            self.target[k - 1] = 0
        k += 1
        self.active = k
        self.mode[k] = FILL
        self.target[k] = self.peak[k]

    def _release(self):
        for i in range(self.chambers):
            self.mode[i] = VENT
            self.target[i] = 0
        self.phase = RELEASE
        self._timer = self._program[programs.RELEASE_MS]

    def _all_vented(self, pressure):
        for i in range(self.chambers):
            if pressure[i] >= limits.VENTED_DMMHG:
                return False
        return True
