"""The core shell: the firmware's Controller alone, stepped against the plant.

Each 25 ms tick it injects the faults that are due, reads the plant's sensors, presses
the scripted buttons, calls Controller.step and applies the outputs to the plant, as
main.py does on the chip with real drivers; once the controller is in maintenance mode
(MODE held from power-on) it is stepped no more, as main.py's loop returns. About five
times faster than the device
shell, and it takes any board dict (tests draw chamber counts).
"""
from pulseboot.fakeboard.clock import VirtualClock, ticks_diff
from pulseboot.plant import analog
from pulseboot.run.scenario import Recorder, final_state, inject_due

import controller as fw_controller  # firmware/lib, importable once fw is loaded
import led as fw_led
import topology as fw_topology


def run(scenario, on_tick=None):
    """Run the scenario; returns (recorder, final controller state, simulated ms)."""
    plant = scenario.plant()
    board_def = analog.board_as_built(scenario.board_def, plant)
    ctrl = fw_controller.Controller(board_def, ticks_diff, program=scenario.program, level=scenario.level,
                                    session_min=scenario.session_min)
    read_sensors = analog.core_reader(board_def, plant) or plant.read_sensors  # through the analog driver
    rec = Recorder(plant, ctrl.chambers, on_tick, scenario.on_event)
    led = fw_led.Led(_ignore)  # played as main.py plays it; rec reads its level and buzz
    clock = VirtualClock()
    n = ctrl.chambers
    readings = [0] * plant.sensors
    shared_exhaust = plant.exhaust_valve
    valve_open = [0] * n  # inlet valves on a shared-exhaust board (see topology.py)
    tick = fw_controller.Controller.tick_ms
    spans = scenario.spans
    pending = list(scenario.plant_faults)
    duration_ms = scenario.duration_ms
    t = 0
    repl = False  # maintenance mode: main.py's loop has returned, the outputs stay as it left them
    while t <= duration_ms:
        inject_due(pending, t, plant)
        read_sensors(readings)
        raw = 0
        for start, end, bit in spans:
            if start <= t < end:
                raw |= bit
        if not repl:
            ctrl.step(clock.ticks_ms(), readings, raw)
            repl = ctrl.maintenance
        if repl:
            rec.row(t, "REPL", ctrl.program, ctrl.fault, ctrl.pump, ctrl.pressure, ctrl.inlet, ctrl.vent)
        else:
            led.update(tick if t else 0, ctrl.state, ctrl.fault, ctrl.buttons.ack)
            rec.tick(t, ctrl.state, ctrl.program, ctrl.fault, ctrl.pump, ctrl.pressure, ctrl.peak, ctrl.inlet,
                     ctrl.vent, ctrl.session_left_ms, led.level, led.buzz)
        if shared_exhaust:
            exhaust = fw_topology.exhaust_valves(ctrl.inlet, ctrl.vent, valve_open)
            plant.step(tick, ctrl.pump, valve_open, ctrl.vent, exhaust)
        else:
            plant.step(tick, ctrl.pump, ctrl.inlet, ctrl.vent)
        clock.advance(tick)
        t += tick
    return rec, final_state(ctrl), t - tick


def _ignore(_level):
    """The core shell's LED pin: rec reads the Led's own level."""
