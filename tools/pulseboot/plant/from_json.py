"""A plant preset in a JSON file: what `pulseboot fit` writes and `pulseboot sim --plant
FILE.json` runs.

    {"pulseboot_plant": 1, "name": "my-boot", "base": "small-leg",
     "params": {"pump_free_lpm": 4.3, ...}, "fit": {...}}

`params` holds presets.PlantParams fields by name; a field left out is the `base` preset's
(default small-leg), so a hand-written file may give only what differs. `fit` (optional, not
read back) says how a fit got there. Every mistake is one line naming the field.
"""
import dataclasses
import json
import math

from pulseboot.plant.presets import DEFAULT_PRESET, PRESETS, PlantParams

FORMAT = 1
_POSITIVE = ("chamber_min_l", "knee_mmhg", "manifold_l", "pump_stall_mmhg", "sensor_period_ms")


class PresetError(ValueError):
    """A preset file that cannot be used; str() is one line naming the file's field."""


def fields():
    return {f.name: f for f in dataclasses.fields(PlantParams)}


def load(path):
    """(PlantParams, name) from a preset file; PresetError naming the problem."""
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise PresetError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except UnicodeDecodeError:
        raise PresetError("not a JSON text file") from None
    return parse(data)


def parse(data):
    """(PlantParams, name) from a preset file's decoded JSON."""
    if not isinstance(data, dict):
        raise PresetError("expected a JSON object with a \"params\" object")
    version = data.get("pulseboot_plant", FORMAT)
    if version != FORMAT:
        raise PresetError(f"pulseboot_plant: format {version!r}, this version reads {FORMAT}")
    base_name = data.get("base", DEFAULT_PRESET)
    if base_name not in PRESETS:
        raise PresetError(f"base: unknown preset {base_name!r}; allowed: {', '.join(PRESETS)}")
    params = data.get("params")
    if not isinstance(params, dict):
        raise PresetError("params: expected an object of plant parameters by name")
    known = fields()
    values = {}
    for key, value in params.items():
        if key not in known:
            raise PresetError(f"params.{key}: unknown parameter; allowed: {', '.join(known)}")
        values[key] = _value(key, value, known[key])
    try:
        pr = dataclasses.replace(PRESETS[base_name], **values)
    except (TypeError, ValueError) as e:
        raise PresetError(f"params: {e}") from None
    check(pr)
    name = data.get("name")
    return pr, name if isinstance(name, str) and name else None


def _value(key, value, field):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PresetError(f"params.{key}: {json.dumps(value)} is not a number")
    if field.type in (int, "int"):
        if value != int(value):
            raise PresetError(f"params.{key}: {value!r} is not a whole number")
        value = int(value)
    if key in _POSITIVE and not value > 0:
        raise PresetError(f"params.{key}: {value!r} must be > 0")
    if value < 0 and key not in ("sensor_min_mmhg",):
        raise PresetError(f"params.{key}: {value!r} must be >= 0")
    return value


def check(pr):
    """PresetError for parameters the plant would refuse (model.py's own checks, and a few it
    assumes)."""
    if not 0.0 < pr.valve_b < 0.999:
        raise PresetError(f"params.valve_b: {pr.valve_b!r} must be > 0 and < 0.999")
    if not pr.sensor_min_mmhg < pr.sensor_max_mmhg:
        raise PresetError("params.sensor_min_mmhg: must be below sensor_max_mmhg")
    if pr.sensor_quantum_dmmhg < 1:
        raise PresetError("params.sensor_quantum_dmmhg: must be >= 1")
    from pulseboot.plant.model import Plant

    try:
        Plant(1, pr)
    except ValueError as e:
        raise PresetError(f"params: {e}") from None


def dump(params, name, base, fit=None):
    """The JSON text of a preset file: every parameter, so it runs the same when presets.py
    changes its defaults."""
    data = {"pulseboot_plant": FORMAT, "name": name, "base": base, "params": dataclasses.asdict(params)}
    if fit is not None:
        data["fit"] = fit
    return json.dumps(data, indent=2) + "\n"
