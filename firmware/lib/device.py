# One board's drivers as the control loop uses them, once per tick and without
# allocating. wiring.py builds it from the board file.
from faults import NO_READING
from safe_state import PUMP as _SAFE_PUMP  # the value only: main.py drops safe_state after start-up


class Device:
    def __init__(self, pump, valves, sensors, buttons, led):
        self.pump = pump
        self.valves = valves
        self.sensors = sensors
        self.buttons = buttons
        self.led = led
        self.chambers = valves.chambers
        self.readings = [NO_READING] * sensors.count

    def read_sensors(self):
        self.sensors.read(self.readings)
        return self.readings

    def write(self, pump, inlet, vent, dt):
        # Air path before the pump when it starts, pump before the air path when it stops:
        # the pump never runs against a closed manifold longer than needed.
        if pump:
            self.valves.write(inlet, vent, dt)
            self.pump.set(pump)
        else:
            self.pump.set(0)
            self.valves.write(inlet, vent, dt)

    def safe(self):
        """The safe state (safe_state.py): pump off, then every chamber open to atmosphere
        and none fed. main.py's one way there, from every way out of the loop."""
        self.pump.off()
        self.valves.safe()

    def is_safe(self):
        return self.pump.duty == _SAFE_PUMP and self.valves.is_safe()
