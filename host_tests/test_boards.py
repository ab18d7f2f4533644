"""Board files against the ESP32 / ESP32-S3 pin rules, and against the control core."""
import pytest

from pulseboot import fw, pins, run

BOARDS = fw.board_names()


@pytest.mark.parametrize("name", BOARDS)
def test_board_uses_only_pins_fit_for_their_role(name):
    assert pins.problems(fw.load_board(name)) == []


@pytest.mark.parametrize("name", BOARDS)
def test_board_declares_a_pin_for_every_chamber(name):
    b = fw.load_board(name)
    n = b["chambers"]
    sensor_pins = b["sensor_adc_pins"] if b.get("sensor") == "analog" else b["sensor_data_pins"]
    assert len(sensor_pins) == (1 if b.get("sensor_at") == "manifold" else n)
    if "inlet_pins" in b:
        assert len(b["inlet_pins"]) == n
        assert len(b.get("vent_pins", ())) == (n if b["topology"] == "inlet+vent" else 0)
        assert ("exhaust_pin" in b) == (b["topology"] == "inlet+exhaust")
    else:
        assert len(b["inlet_bits"]) == n and len(b["vent_bits"]) == n
    assert set(b["button_pins"]) == {"start", "mode", "up", "down"}
    assert b["hard_limit_dmmhg"] <= fw.limits.HARD_LIMIT_DMMHG


BAD = [
    ("esp32", {"pump_pin": 7}, "flash"),
    ("esp32", {"pump_pin": 34}, "input-only"),
    ("esp32", {"led_pin": 12}, "strapping"),
    ("esp32", {"pump_pin": 16}, "already used"),
    ("esp32", {"pump_pin": 24}, "no such pin"),
    ("esp32", {"pump_pin": 1}, "console"),
    ("esp32s3", {"pump_pin": 46}, "strapping"),
    ("esp32s3", {"pump_pin": 30}, "flash"),
    ("esp32s3", {"pump_pin": 20}, "console"),
]


@pytest.mark.parametrize("chip,change,expect", BAD)
def test_bad_pins_are_rejected_with_a_reason(chip, change, expect):
    base = fw.load_board("esp32-devkitc-4ch" if chip == "esp32" else "esp32s3-8ch")
    bad = dict(base, **change)
    found = pins.problems(bad)
    assert any(expect in line for line in found), found


@pytest.mark.parametrize("pin,expect", [(25, "an ADC2 pin, unusable while Wi-Fi runs"), (27, "ADC2"),
                                        (16, "not an ADC pin")])
def test_an_analog_sensor_on_anything_but_adc1_is_refused(pin, expect):
    b = fw.load_board("esp32-devkitc-4ch-analog")
    found = [line for line in pins.problems(dict(b, sensor_adc_pins=(pin, *b["sensor_adc_pins"][1:])))
             if "sensor_adc_pins[0]" in line and "ADC" in line]
    assert len(found) == 1 and expect in found[0] and "use an ADC1 pin: GPIO32" in found[0], found


def test_s3_analog_sensors_must_be_on_adc1():
    b = dict(fw.load_board("esp32s3-8ch"), sensor="analog", sensor_adc_pins=(1, 12))
    found = pins.problems(b)
    assert any("GPIO12 as sensor_adc_pins[1]: an ADC2 pin" in line for line in found), found
    assert not any("sensor_adc_pins[0]" in line and "ADC" in line for line in found), found


def test_input_only_buttons_need_declared_external_pull_ups():
    b = dict(fw.load_board("esp32-devkitc-4ch"))
    b.pop("button_external_pull_ups", None)
    assert any("pull-up" in line for line in pins.problems(b))


def test_topology_without_chamber_vents_refuses_distal_release_on_the_host():
    b = dict(fw.load_board("esp32-devkitc-4ch"), topology="inlet+exhaust", sensor_at="manifold", name="no-vents")
    with pytest.raises(ValueError, match="needs a vent valve on every chamber"):
        run.simulate(program="recovery", board_def=b, duration_s=1)


@pytest.mark.parametrize("name", BOARDS)
def test_the_first_program_runs_on_every_board(name):
    # The controller starts on program 0, and a settings file that cannot be read leaves it
    # there (settings_io.py): it must be one every board can run.
    import controller

    ctrl = controller.Controller(fw.load_board(name), lambda a, b: a - b)
    assert ctrl.program == 0 and ctrl.can_run(0)
