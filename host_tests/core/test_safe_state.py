# The one safe-state definition (safe_state.py) against everything that writes it: the
# limiter (the core's outputs) and each valve driver's pins. For CPython (pytest) and the
# MicroPython unix port (host_tests/core/run.py): plain asserts.
import micropython

import safe_state
from support import Bench, board
from valves_595 import ShiftValves
from valves import Valves


class Pin:
    def __init__(self, level=-1):
        self.level = level  # -1: never written

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = v
        return None


def gpio_board(active=1, vent_normally_open=True):
    b = board(2)
    b.update({"inlet_pins": (10, 11), "vent_pins": (20, 21), "valve_active": active,
              "vent_normally_open": vent_normally_open})
    return b


def test_the_limiter_forces_the_core_outputs_safe_in_place_without_allocating():
    ctrl = Bench().ctrl
    ctrl.inlet[0] = 1
    ctrl.vent[1] = 0
    micropython.heap_lock()
    try:
        pump = ctrl.limiter.force_safe()
    finally:
        micropython.heap_unlock()
    assert pump == safe_state.PUMP == 0
    assert ctrl.inlet == [safe_state.INLET] * 4 == [0] * 4 and ctrl.vent == [safe_state.VENT] * 4 == [1] * 4


def test_levels_match_what_the_gpio_valve_driver_writes():
    for active in (1, 0):
        for vent_no in (True, False):
            b = gpio_board(active, vent_no)
            where, levels = safe_state.levels(b)
            assert where == [10, 11, 20, 21]
            pins = [Pin(), Pin(), Pin(), Pin()]
            v = Valves(pins[:2], pins[2:], active, vent_no)
            assert [p.level for p in pins] == levels and v.is_safe(), (active, vent_no, levels)
            on = 1 if active else 0
            # Inlets shut (a normally-closed inlet is shut unpowered), vents open.
            assert levels[:2] == [1 - on] * 2
            assert levels[2:] == [1 - on if vent_no else on] * 2


def test_levels_match_the_shared_exhaust_driver_every_valve_open():
    b = board(3, "inlet+exhaust")
    b.update({"inlet_pins": (1, 2, 3), "exhaust_pin": 4, "valve_active": 1, "inlet_normally_open": False})
    where, energise, safe = safe_state.valves(b)
    assert where == [1, 2, 3, 4] and safe == [1] * 4 and energise == [1, 1, 1, 0]
    where, levels = safe_state.levels(b)
    assert levels == [1, 1, 1, 0]  # normally-closed chamber valves powered open, the exhaust left open
    pins = [Pin() for _ in range(4)]
    v = Valves(pins[:3], pins[3:], 1, layout=safe_state.shared_exhaust_valves(3, False, True))
    assert [p.level for p in pins] == levels and v.is_safe()


def test_levels_match_the_pattern_the_shift_register_driver_latches():
    b = board(2)
    b.update({"valve_driver": "74hc595", "inlet_bits": (0, 1), "vent_bits": (8, 9), "valve_active": 1,
              "vent_normally_open": False})
    where, levels = safe_state.levels(b)
    want = 0
    for k in range(len(where)):
        want |= levels[k] << where[k]
    latched = []
    shift = [0]
    data = Pin(0)

    class Clock(Pin):
        def value(self, v=None):
            if v and self.level != 1:
                shift[0] = ((shift[0] << 1) | data.level) & 0xFFFF
            return Pin.value(self, v)

    class Latch(Pin):
        def value(self, v=None):
            if v:
                latched.append(shift[0])
            return Pin.value(self, v)

    v = ShiftValves(data, Clock(0), Latch(0), Pin(1), (0, 1), (8, 9), 1, False)
    assert latched == [want] and v.is_safe()
    assert want == (1 << 8) | (1 << 9)  # normally-closed vents powered open, inlets shut
