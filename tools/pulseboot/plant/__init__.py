"""The simulated pneumatic plant (model.py) and its presets (presets.py)."""
from pulseboot.plant.model import FAULTS, SENSOR_DEAD, Plant
from pulseboot.plant.presets import DEFAULT_PRESET, PRESETS, PlantParams, preset

__all__ = ["DEFAULT_PRESET", "FAULTS", "PRESETS", "SENSOR_DEAD", "Plant", "PlantParams", "preset"]
