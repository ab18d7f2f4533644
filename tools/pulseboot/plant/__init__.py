"""The simulated pneumatic plant (model.py) and its presets (presets.py)."""
from pulseboot.plant.model import FAULTS, PUMP_FAULTS, SENSOR_DEAD, SENSOR_FAULTS, Plant
from pulseboot.plant.presets import DEFAULT_PRESET, PRESETS, PlantParams, preset

__all__ = ["DEFAULT_PRESET", "FAULTS", "PRESETS", "PUMP_FAULTS", "SENSOR_DEAD", "SENSOR_FAULTS", "Plant", "PlantParams",
           "preset"]
