"""The device drivers (firmware/lib) against the host fakes of machine (tools/pulseboot/fakeboard).

Each test wires a small virtual board and reads back what the drivers did at the pin
level: the HX710B fakes shift out real 24-bit words, the 74HC595 fake shifts and latches.
"""
import contextlib
import itertools
import re
import sys

import analog_sensor
import crashlog
import wiring
import faults
import hx710b
import led
import pytest
from faults import FAULT, IDLE, PAUSED, RUNNING, ZEROING
from hypothesis import given
from hypothesis import strategies as st
from pulseboot import docs, fw
from pulseboot.run import device_shell
from pulseboot.fakeboard.world import World
from device import Pump
from valves import Valves
from valves_595 import ShiftValves

NO = faults.NO_READING
BOARDS = fw.board_names()


def sensor_world(readings, cpm=107365):
    """Sensors sharing clock pin 5 on data pins 10, 11, ...; readings in dmmHg."""
    n = len(readings)
    board = {"name": "t", "chambers": n, "pump_pin": 1, "sensor_clk_pin": 5,
             "sensor_data_pins": tuple(range(10, 10 + n)), "sensor_counts_per_mmhg": cpm,
             "button_pins": {"start": 20, "mode": 21, "up": 22, "down": 23}, "led_pin": 2}
    w = World(board)
    w.readings = list(readings)
    m = w.machine
    edges = []
    w.pin(5).listeners.append(edges.append)
    drv = hx710b.HX710B(m.Pin(5, m.Pin.OUT, value=0), [m.Pin(p, m.Pin.IN) for p in board["sensor_data_pins"]], cpm)
    return w, drv, edges


# ---- HX710B ------------------------------------------------------------------------------
def test_hx710b_decodes_positive_and_negative_readings_on_a_shared_clock():
    w, drv, edges = sensor_world([534, -567, 779, -1])
    w.advance(25)  # every module has converted once
    out = [0] * 4
    assert drv.read(out) == 4
    assert out == [534, -567, 779, -1]
    assert edges.count(1) == 27  # one read's pulses for all four: 24 bits + 3 = 40 Hz mode
    assert drv.counts[1] == (-567 * 107365 + 5) // 10  # two's complement decoded
    assert all(chip.period == 25 for chip in w.sensors)


def test_hx710b_not_ready_gives_no_reading_without_clocking():
    w, drv, edges = sensor_world([100, 200])
    out = [7, 7]
    assert drv.read(out) == 0  # t = 0: no conversion finished yet
    assert out == [NO, NO]
    assert edges == []
    w.advance(25)
    assert drv.read(out) == 2 and out == [100, 200]
    assert drv.read(out) == 0 and out == [NO, NO]  # same instant: nothing new
    w.advance(25)
    w.readings = [150, 250]
    assert drv.read(out) == 2 and out == [150, 250]


def test_hx710b_a_dead_module_does_not_blind_the_others_for_long():
    w, drv, _ = sensor_world([100, 200, 300])
    w.advance(25)
    w.readings[1] = -32768  # the plant's dead sensor: DOUT stays high
    out = [0] * 3
    got = []
    for _ in range(8):
        w.advance(25)
        got.append((drv.read(out), list(out)))
    assert got[0] == (0, [NO, NO, NO])  # waits a little for the late one
    assert (2, [100, NO, 300]) in got  # then reads the ready ones alone
    assert all(o[1] == NO for _, o in got)


def test_hx710b_saturated_and_stuck_low_words_are_never_pressures():
    w, drv, _ = sensor_world([900, -900, 5], cpm=107365)  # +-90 mmHg: past the +-78 mmHg span
    w.advance(25)
    out = [0] * 3
    drv.read(out)
    assert out == [hx710b.OVER_RANGE, hx710b.UNDER_RANGE, 5]
    w.readings = [0, 0, 0]  # a zero word is what a DOUT shorted to ground gives
    w.advance(25)
    drv.read(out)
    assert out == [NO, NO, NO]


def test_hx710b_word_torn_by_a_late_module_is_discarded():
    w, drv, _ = sensor_world([100, 200])
    w.sensors[1].phase = 10_000  # module 1 converts late
    w.advance(25)
    out = [0, 0]
    for _ in range(drv.patience):
        drv.read(out)
    assert out == [100, NO]
    w.sensors[1].phase = 0
    w.advance(25)
    drv.read(out)
    assert out == [100, NO]  # clocked while busy last time: its next word is suspect
    w.advance(25)
    drv.read(out)
    assert out == [100, 200]


@given(st.integers(-200, 780).filter(bool), st.integers(50_000, 150_000))
def test_hx710b_scale_round_trips_every_reading_in_span(dmmhg, cpm):
    if abs(dmmhg * cpm // 10) >= 1 << 23:
        return
    w, drv, _ = sensor_world([dmmhg], cpm)
    w.advance(25)
    out = [0]
    drv.read(out)
    assert out == [dmmhg]


# ---- valves -----------------------------------------------------------------------------
def gpio_valves(active=1, vent_no=True, inlet_max=0, vent_max=0):
    w = World()
    m = w.machine
    inlets = [m.Pin(p, m.Pin.OUT) for p in (10, 11)]
    vents = [m.Pin(p, m.Pin.OUT) for p in (20, 21)]
    v = Valves(inlets, vents, active, vent_no, inlet_max, vent_max)
    levels = lambda: ([w.pin(p).level for p in (10, 11)], [w.pin(p).level for p in (20, 21)])  # noqa: E731
    return v, levels


@pytest.mark.parametrize("active", [1, 0])
@pytest.mark.parametrize("vent_no", [True, False])
def test_valve_levels_follow_active_level_and_vent_type(active, vent_no):
    v, levels = gpio_valves(active, vent_no)
    on, off = active, 1 - active
    shut_vent = on if vent_no else off  # a normally-open vent is energised to close
    open_vent = off if vent_no else on
    assert levels() == ([off, off], [open_vent, open_vent]) and v.is_safe()
    v.write([1, 0], [0, 1], 25)
    assert levels() == ([on, off], [shut_vent, open_vent])
    assert not v.is_safe()
    v.safe()
    assert levels() == ([off, off], [open_vent, open_vent]) and v.is_safe()


def test_valve_max_on_time_forces_the_safe_level_until_the_core_lets_go():
    v, levels = gpio_valves(inlet_max=100, vent_max=200)
    for _ in range(4):
        v.write([1, 0], [0, 0], 25)  # 100 ms: at the limit, not past it
    assert levels() == ([1, 0], [1, 1]) and v.forced == 0
    v.write([1, 0], [0, 0], 25)
    assert levels() == ([0, 0], [1, 1]) and v.forced == 0b0001  # inlet 0 forced shut
    for _ in range(4):
        v.write([1, 0], [0, 0], 25)
    assert levels() == ([0, 0], [0, 0]) and v.forced == 0b1101  # vents forced open, inlet stays shut
    v.write([0, 0], [1, 1], 25)  # the core asks for safe: the latch clears
    v.write([1, 0], [0, 1], 25)
    assert levels() == ([1, 0], [1, 0]) and v.forced == 0


def test_a_normally_closed_vent_is_never_forced_shut_by_its_max_on_time():
    v, levels = gpio_valves(vent_no=False, vent_max=50)
    for _ in range(10):
        v.write([0, 0], [1, 1], 25)  # held open = energised = its safe position
    assert levels() == ([0, 0], [1, 1]) and v.forced == 0


def test_74hc595_keeps_outputs_off_until_a_safe_pattern_is_latched():
    board = fw.load_board("esp32s3-8ch")
    w = World(board, seed=3)
    assert w.shift.out != 0  # arbitrary power-on contents ...
    events = []
    w.pin(board["shift_enable_pin"]).listeners.append(lambda lv: events.append(("oe", lv, w.shift.out)))
    m = w.machine
    pin = lambda k, lv: m.Pin(board[k], m.Pin.OUT, value=lv)  # noqa: E731
    v = ShiftValves(pin("shift_data_pin", 0), pin("shift_clock_pin", 0), pin("shift_latch_pin", 0),
                    pin("shift_enable_pin", 1), board["inlet_bits"], board["vent_bits"])
    assert events[-1][:2] == ("oe", 0)  # enabled once ...
    assert w.inlet_open() == [0] * 8 and w.vent_open() == [1] * 8  # ... on the safe pattern
    inlet = [0] * 8
    vent = [1] * 8
    inlet[2] = 1
    vent[2] = vent[5] = 0
    v.write(inlet, vent, 25)
    assert w.inlet_open() == inlet and w.vent_open() == vent
    v.safe()
    assert w.inlet_open() == [0] * 8 and w.vent_open() == [1] * 8 and v.is_safe()


@contextlib.contextmanager
def fake_modules(world):
    saved = {k: sys.modules.get(k) for k in ("machine", "time", "neopixel")}
    sys.modules.update(machine=world.machine, time=world.time, neopixel=world.neopixel)
    sys.path.append(str(fw.ROOT))
    try:
        yield
    finally:
        sys.path.remove(str(fw.ROOT))
        for k, mod in saved.items():
            if mod is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = mod


@pytest.mark.parametrize("board_name", BOARDS)
def test_boot_py_leaves_pump_off_and_every_chamber_vented(board_name, tmp_path):
    board = fw.load_board(board_name)
    w = World(board, seed=5)
    (tmp_path / "board.txt").write_text(board_name + "\n")
    with fake_modules(w):
        boot = device_shell.load_file(fw.FIRMWARE / "boot.py", "boot_under_test")
        assert boot.safe_outputs(str(tmp_path))["name"] == board_name
    assert w.pin(board["pump_pin"]).level == 0
    assert w.inlet_open() == [0] * board["chambers"] and w.vent_open() == [1] * board["chambers"]


def test_a_board_the_drivers_reject_stops_main_py_safe_without_a_reset_or_a_crash_log(tmp_path, monkeypatch):
    # e.g. a mistyped board key: like a missing board file, no reset loop rewriting /crash.log.
    # main.py's start-up (wiring.start) loads the board with wiring.load_board: give it a mistyped one.
    load = wiring.load_board
    monkeypatch.setitem(sys.modules, "wiring", wiring)
    monkeypatch.setattr(wiring, "load_board", lambda path: dict(load(path), sensor="hx711"))
    (tmp_path / "flash").mkdir()
    result = device_shell.run_device(fw.DEFAULT_BOARD, duration_ms=2000, flash_dir=tmp_path / "flash")
    assert result["ended"] == "returned" and result["ticks"] == 0 and result["crash_log"] == ""
    assert not (tmp_path / "flash" / "crash.log").exists()
    assert "not usable" in result["console"] and "unknown sensor 'hx711'" in result["console"]
    w = result["world"]
    assert w.pump_duty() == 0 and w.inlet_open() == [0] * 4 and w.vent_open() == [1] * 4 and w.wdt is None


# ---- device, pump, sensors, buttons, LED ------------------------------------------------
@pytest.mark.parametrize("board_name", BOARDS)
def test_device_builds_every_board_and_never_pulses_the_pump(board_name):
    board = fw.load_board(board_name)
    w = World(board)
    with fake_modules(w):
        d = wiring.build(w.machine, board)
    pwm = w.pwms[board["pump_pin"]]
    assert pwm.duty_u16() == 0 and pwm.freq() == board["pump_pwm_hz"]
    assert d.is_safe() and w.vent_open() == [1] * board["chambers"]
    n = board["chambers"]
    # Feed chamber 1 while the rest vent; a shared exhaust cannot vent while it feeds.
    vents = [0] * n if board.get("exhaust_pin") is not None else [0] + [1] * (n - 1)
    d.write(60, [1] + [0] * (n - 1), vents, 25)
    assert w.pump_duty() == pytest.approx(60, abs=0.01) and w.inlet_open()[0] == 1 and not d.is_safe()
    d.safe()
    assert w.pump_duty() == 0 and d.is_safe() and w.inlet_open() == [0] * board["chambers"]


@pytest.mark.parametrize("value", [2e4, -1, 1 << 40, True, "20000"])
def test_a_valve_max_on_time_that_is_not_whole_ms_is_refused_by_name(value):
    board = dict(fw.load_board("esp32s3-8ch"), inlet_max_on_ms=value)
    w = World(board)
    with fake_modules(w), pytest.raises(ValueError, match="inlet_max_on_ms must be whole ms from 0"):
        wiring.build(w.machine, board)


@pytest.mark.parametrize("board_name, change, expect", [
    ("esp32-devkitc-4ch", {"sensor_counts_per_mmhg": 0}, "sensor_counts_per_mmhg must be a whole number > 0"),
    ("esp32-devkitc-4ch", {"sensor_counts_per_mmhg": -107365}, "sensor_counts_per_mmhg must be a whole number > 0"),
    ("esp32-devkitc-4ch", {"sensor_counts_per_mmhg": 1.07e5}, "sensor_counts_per_mmhg must be a whole number > 0"),
    ("esp32-devkitc-4ch", {"sensor_counts_per_mmhg": (107365, 107365)}, "or one per sensor"),
    ("esp32-devkitc-4ch", {"vent_pins": (25, 26, 27)}, "needs vent_pins, one per inlet pin"),
    ("esp32s3-8ch", {"vent_bits": (8, 9)}, "one vent bit per inlet bit, not 2 for 8"),
])
def test_a_board_whose_sensors_or_valves_do_not_add_up_is_refused_by_name(board_name, change, expect):
    # Checked once, on the board file at start-up: a scale of 0 or below would invert or break
    # every reading, a missing vent would leave a chamber without a way to atmosphere.
    board = dict(fw.load_board(board_name), **change)
    w = World(fw.load_board(board_name))
    with fake_modules(w), pytest.raises(ValueError, match=expect):
        wiring.build(w.machine, board)


def test_pump_duty_maps_to_u16_and_clamps():
    w = World()
    m = w.machine
    pwm = m.PWM(m.Pin(4, m.Pin.OUT), freq=1000, duty_u16=0)
    p = Pump(pwm, 25000)
    assert pwm.freq() == 25000
    for duty, u16 in ((0, 0), (1, 655), (50, 32767), (100, 65535), (150, 65535), (-5, 0)):
        p.set(duty)
        assert pwm.duty_u16() == u16, duty
    p.set(40)
    pwm.duty_u16(1234)  # whatever happened to the PWM, off() writes 0
    p.off()
    assert pwm.duty_u16() == 0 and p.duty == 0


def test_analog_sensor_two_point_calibration_rails_and_attenuation():
    w = World()
    m = w.machine
    adcs = [m.ADC(m.Pin(p)) for p in (32, 33)]
    raw = {32: 8000, 33: 40000}
    w.adcs.update({p: (lambda p=p: raw[p]) for p in raw})
    s = analog_sensor.AnalogSensor(adcs, (8000, 0, 40000, 1500), m.ADC.ATTN_11DB)
    assert all(a.attenuation == m.ADC.ATTN_11DB for a in adcs)
    out = [0, 0]
    s.read(out)
    assert out == [0, 1500]
    raw.update({32: 24000, 33: 8011})
    s.read(out)
    assert out == [750, 1]  # 11 raw * 1500 / 32000 = 0.52 -> rounds to 1
    raw.update({32: 65535, 33: 0})
    s.read(out)
    assert out == [analog_sensor.OVER_RANGE, analog_sensor.UNDER_RANGE]


def test_buttons_read_active_low_into_the_core_bitmask_and_latch_irq_presses():
    board = fw.load_board(fw.DEFAULT_BOARD)
    w = World(board, spans=[(0, 100, 0b0001), (50, 100, 0b0100), (160, 170, 0b1000)])
    with fake_modules(w):
        d = wiring.build(w.machine, dict(board, button_irq=True))
    assert d.buttons.read() == 0b0001
    w.advance(50)
    assert d.buttons.read() == 0b0101
    w.advance(100)  # 150 ms: released
    assert d.buttons.read() == 0
    w.advance(15)  # 'down' goes down at 160 and up at 170, between two polls
    w.advance(15)
    assert d.buttons.read() == 0b1000  # seen once, by its interrupt
    assert d.buttons.read() == 0


def test_the_readme_bench_snippet_reads_the_sensors_from_main_pys_drivers():
    text = (fw.ROOT / "README.md").read_text()
    block = re.search(r"> ```python\n(.*?)> ```", text[text.index("read the sensor at the REPL"):], re.S).group(1)
    code = "\n".join(line[2:] for line in block.splitlines())  # without the quote's "> "
    board = fw.load_board("esp32s3-8ch")
    w = World(board)
    with fake_modules(w):
        hw = wiring.build(w.machine, board)  # what main.py leaves in its globals as `hw`
        printed = []
        exec(code, {"hw": hw, "print": lambda *a: printed.append(a)})
    assert len(printed) == 100 and all(len(readings) == 8 and len(counts) == 8 for readings, counts in printed)


FAULT_FLASH_GAP_MS = led.FAULT_ON_MS + 25  # into the gap after the first flash


def test_an_led_wired_active_low_is_dark_from_the_start_and_lit_on_low():
    board = dict(fw.load_board(fw.DEFAULT_BOARD), led_active=0)
    w = World(board)
    pin = w.pin(board["led_pin"])
    writes = []

    def record(level):  # every level the firmware writes, the first included
        writes.append(level)
        pin.level = level

    pin.writer = record
    with fake_modules(w):
        d = wiring.build(w.machine, board)
    assert writes and set(writes) == {1} and not w.led_on()  # never lit, not even while being set up
    d.led.update(25, RUNNING, 0)  # steady on
    assert d.led.level == 1 and w.pin(board["led_pin"]).level == 0 and w.led_on()
    d.led.update(25, FAULT, 1)
    d.led.update(FAULT_FLASH_GAP_MS, FAULT, 1)  # between two flashes: dark
    assert d.led.level == 0 and w.pin(board["led_pin"]).level == 1


def led_trace(state, fault, ms=6000):
    levels = []
    buzz = []
    lamp = led.Led(levels.append, buzz.append)
    seen = []
    for _ in range(ms // 25):
        lamp.update(25, state, fault)
        seen.append(lamp.level)
    return seen, buzz


def test_led_patterns_are_distinct_for_every_state_and_fault_code():
    patterns = {}
    for state in (ZEROING, IDLE, RUNNING, PAUSED):
        patterns[("state", state)] = tuple(led_trace(state, 0)[0])
    for code in range(1, len(faults.NAMES)):
        seen, _ = led_trace(FAULT, code)
        patterns[("fault", code)] = tuple(seen)
        # N flashes, then the pause: count rising edges in one period
        period = (code * (led.FAULT_ON_MS + led.FAULT_OFF_MS) + led.FAULT_PAUSE_MS) // 25
        one = seen[:period]
        assert sum(1 for a, b in zip([0, *one], one) if b and not a) == code
    assert len(set(patterns.values())) == len(patterns)
    assert set(patterns[("state", RUNNING)]) == {1}
    flips = lambda s: sum(a != b for a, b in itertools.pairwise(s))  # noqa: E731
    assert flips(patterns[("state", ZEROING)]) > flips(patterns[("state", PAUSED)]) > 0


def test_buzzer_sounds_only_the_fault_pattern():
    _, buzz = led_trace(RUNNING, 0)
    assert not any(buzz)
    levels = []
    buzz = []
    lamp = led.Led(levels.append, buzz.append)
    lamp.update(25, FAULT, faults.SENSOR)
    assert buzz[-1] == 1
    lamp.update(25, IDLE, 0)  # cleared while the flash was on: the buzzer stops too
    assert buzz[-1] == 0 and levels[-1] == 1


def test_the_fault_timings_in_the_readme_are_what_the_led_plays():
    for code in range(1, len(faults.NAMES)):
        segments = docs.fault_segments(code)
        seen, _ = led_trace(FAULT, code, ms=sum(segments))
        runs = [len(list(g)) * 25 for _, g in itertools.groupby(seen)]  # lit, dark, lit, ... in ms
        assert seen[0] == 1 and runs == [ms for ms in segments], code


def test_led_table_is_data_for_the_readme():
    assert [name for name, _what in docs.LED_WORDS] == ["zeroing", "idle", "running", "paused"]
    assert docs.fault_segments(3) == (150, 300, 150, 300, 150, 300 + 1500)


def test_crash_log_stays_bounded_and_keeps_whole_recent_lines(tmp_path):
    path = str(tmp_path / "crash.log")
    (tmp_path / "crash.log").write_bytes(b"x" * 100_000)  # damaged, oversized
    for i in range(200):
        crashlog.append(path, "%d ms RuntimeError: boom %d" % (i, i), 2048)
    text = crashlog.read(path)
    assert len(text.encode()) <= 2048
    lines = text.splitlines()
    assert lines[-1] == "199 ms RuntimeError: boom 199"
    assert all(ln.endswith("boom " + ln.split()[0]) for ln in lines)
