"""The simulated pneumatic plant (model.py), the limb under it (limb.py) and the presets (presets.py)."""
from pulseboot.plant import limb
from pulseboot.plant.model import (FAULTS, PUMP_FAULTS, SENSOR_DEAD, SENSOR_FAULTS, SENSOR_OVER, SENSOR_UNDER,
                                   Plant)
from pulseboot.plant.presets import (ARM_LIMB, DEFAULT_PRESET, LEG_LIMB, LIMB_PRESETS, LIMB_RANGES, PRESETS, REF_MMHG,
                                     PlantParams, drawn_limb, preset)

__all__ = ["ARM_LIMB", "DEFAULT_PRESET", "FAULTS", "LEG_LIMB", "LIMB_PRESETS", "LIMB_RANGES", "PRESETS", "PUMP_FAULTS",
           "REF_MMHG", "SENSOR_DEAD", "SENSOR_FAULTS", "SENSOR_OVER", "SENSOR_UNDER", "Plant", "PlantParams",
           "drawn_limb", "limb", "preset"]
