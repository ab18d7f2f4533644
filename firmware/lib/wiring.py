# main.py's start-up, up to the control loop (start-up only): the board file named in
# /board.txt, its drivers built from its BOARD dict and the `machine` module it is given (the
# real one on the chip, a fake backed by the simulated plant on the host), the Controller,
# the saved settings and the telemetry writer. start() drops this module, topology.py,
# safe_state.py and the board module (startup_modules()) once the Device and the Controller
# are built, and main.py lets go of it, so their code holds no RAM while the loop runs.
#
# Flash layout (what the flash tool writes):
#   /boot.py, /main.py        firmware/boot.py, firmware/main.py
#   /lib/*.py or *.mpy        firmware/lib
#   /lib/boards/<file>.py     boards/<file>.py; <file> = board name with '-' -> '_'
#   /board.txt                one line, the board name, e.g. esp32-devkitc-4ch
#   /crash.log                written on a crash (main.py, crashlog.py), kept under 2 KB
#
# Optional board keys read here (defaults in brackets):
#   sensor_counts_per_mmhg  HX710B scale, int or one per sensor [hx710b.py's figure]
#   sensor 'analog' + sensor_adc_pins + sensor_calibration (raw_lo, dmmhg_lo, raw_hi, dmmhg_hi),
#   sensor_top_dmmhg [none]; each build's own calibration in /calibration.txt (_calibrated())
#   inlet_max_on_ms, vent_max_on_ms   valve max on-time, 0 = none [0]
#   topology 'inlet+exhaust' + sensor_at 'manifold': exhaust_pin, inlet_normally_open [True],
#   exhaust_normally_open [True], exhaust_max_on_ms [0] (see topology.py)
#   button_active [0], button_pull_up [True] (internal pull-ups where the pin has one),
#   button_external_pull_ups [False] (documents fitted resistors; tools/pulseboot/pins.py), button_irq [False]
#   led_active [1], led_kind 'pin' or 'ws2812' [pin], buzzer_pin [none]
#   wdt_timeout_ms [limits.WDT_TIMEOUT_MS]
#   pump_timer [0]: the hardware timer (machine.Timer id) behind the pump's lease (device.py)
import sys

import buttons
import led
import limits
import safe_state
import topology
from device import ButtonsIO, Device, Pump
from led import Led
from settings_io import PATH as SETTINGS_PATH
from settings_io import SettingsKeeper

BOARD_FILE = "/board.txt"
CALIBRATION_FILE = "/calibration.txt"

# GPIOs without internal pull resistors: buttons there need external 10k pull-ups.
_NO_PULL = {"esp32": (34, 35, 36, 37, 38, 39)}


def board_module(name):
    return name.strip().replace("-", "_")


def load_board(path=BOARD_FILE):
    """The BOARD dict named in the board file; ValueError saying what to fix."""
    try:
        with open(path) as f:
            name = f.readline().strip()
    except OSError:
        raise ValueError("no %s: write the board name into it (the flash tool does)" % path)
    mod = board_module(name)
    try:
        board = __import__("boards." + mod, None, None, ("BOARD",)).BOARD  # the module itself
    except ImportError:
        raise ValueError("%s names board %r but /lib/boards/%s.py is missing" % (path, name, mod))
    if board["name"] != name:
        raise ValueError("%s says %r but that file defines %r" % (path, name, board["name"]))
    if board.get("sensor") == "analog":
        board = _calibrated(board, path[:len(path) - len(BOARD_FILE)] + CALIBRATION_FILE)
    return board


def _calibrated(board, path):
    """An analog board with its sensors' own calibration: one line per sensor, chamber 1 first,
    'raw_vented raw_at_ref ref_mmhg' (README, Calibration). Without a usable file the board's
    nominal line stays, sensor_calibrated is unset (topology.py caps the levels) and the
    console says why."""
    n = len(board["sensor_adc_pins"])
    cal = []
    try:
        with open(path) as f:
            for line in f:
                v = line.split()
                if v:
                    lo, hi, ref = int(v[0]), int(v[1]), int(v[2])
                    if len(v) != 3 or hi == lo or ref <= 0:
                        raise ValueError
                    cal.append((lo, 0, hi, ref * 10))
        problem = "%s has %d lines for %d sensors" % (path, len(cal), n) if len(cal) != n else None
    except OSError:
        problem = "no " + path
    except (ValueError, IndexError):
        problem = "%s line %d is not 'raw_vented raw_at_ref ref_mmhg'" % (path, len(cal) + 1)
    if problem is not None:
        print("sensors not calibrated (%s): levels capped, see README Calibration" % problem)
        return board
    board = dict(board)  # the board module's own dict stays as written
    board["sensor_calibration"] = cal
    board["sensor_calibrated"] = True
    return board


FOLDED_TABLES = ("limits", "faults")


def startup_modules(board):
    """The sys.modules names only start-up uses: this module, topology.py, safe_state.py
    and the board file. start() drops them once the Device and the Controller are built."""
    return ("wiring", "topology", "safe_state", "boards." + board_module(board["name"]), "boards")


def build(machine, board):
    """The board's Device; ValueError saying what the board file gets wrong."""
    Pin = machine.Pin
    n = board["chambers"]
    # duty_u16=0 in the constructor: a PWM made without a duty starts at 50 %.
    pwm = machine.PWM(Pin(board["pump_pin"], Pin.OUT, value=0), freq=board.get("pump_pwm_hz", Pump.freq_hz),
                      duty_u16=0)
    pump = Pump(pwm, board.get("pump_pwm_hz", 0), machine.Timer(board.get("pump_timer", 0)))
    valves = _valves(Pin, board)
    sensors = _sensors(machine, board)
    want = topology.sensor_count(board)
    if sensors.count != want or valves.chambers != n:
        raise ValueError("board %s: %d chambers need %d sensors and %d chamber valves, not %d and %d"
                         % (board["name"], n, want, n, sensors.count, valves.chambers))
    return Device(pump, valves, sensors, _buttons(Pin, board), _led(Pin, board))


def _ms(board, key):
    """A valve's maximum on-time from the board file: whole ms, 0 = none, and below
    2**29 ms, where valves.py's timers stop counting (a longer one could never trip)."""
    v = board.get(key, 0)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << 29:
        raise ValueError("board %s: %s must be whole ms from 0 (none) to %d, not %r" % (
            board["name"], key, (1 << 29) - 1, v))
    return v


def _valves(Pin, board):
    active = board.get("valve_active", 1)
    inlet_max, vent_max = _ms(board, "inlet_max_on_ms"), _ms(board, "vent_max_on_ms")
    if board.get("valve_driver") == "74hc595":
        from valves_595 import ShiftValves

        if len(board["inlet_bits"]) != len(board["vent_bits"]):
            raise ValueError("board %s: one vent bit per inlet bit, not %d for %d" % (
                board["name"], len(board["vent_bits"]), len(board["inlet_bits"])))
        enable = Pin(board["shift_enable_pin"], Pin.OUT, value=1)  # outputs off until a safe pattern is in
        out = [Pin(board[k], Pin.OUT, value=0) for k in ("shift_data_pin", "shift_clock_pin", "shift_latch_pin")]
        return ShiftValves(out[0], out[1], out[2], enable, board["inlet_bits"], board["vent_bits"], active,
                           board.get("vent_normally_open", True), inlet_max, vent_max)
    from valves import Valves

    shared = not topology.chamber_vents(board)
    n = len(board["inlet_pins"])
    if not shared and len(board.get("vent_pins", ())) != n:
        raise ValueError("board %s: topology %s needs vent_pins, one per inlet pin" % (
            board["name"], topology.INLET_VENT))
    # Each pin starts at its level in the safe state: no chamber fed or shut, not even for a moment.
    where, rest = safe_state.levels(board)
    pins = [Pin(where[k], Pin.OUT, value=rest[k]) for k in range(len(where))]
    if shared:
        layout = safe_state.shared_exhaust_valves(n, board.get("inlet_normally_open", True),
                                                  board.get("exhaust_normally_open", True))
        return Valves(pins[:n], pins[n:], active, True, inlet_max, _ms(board, "exhaust_max_on_ms"), layout)
    return Valves(pins[:n], pins[n:], active, board.get("vent_normally_open", True), inlet_max, vent_max)


def _sensors(machine, board):
    Pin = machine.Pin
    kind = board.get("sensor", "hx710b")
    if kind == "hx710b":
        from hx710b import MPS20N0040D_COUNTS_PER_MMHG, HX710B

        # DOUT is push-pull; fit 10k pull-ups so an unplugged module reads "not ready".
        data = [Pin(p, Pin.IN) for p in board["sensor_data_pins"]]
        clock = Pin(board["sensor_clk_pin"], Pin.OUT, value=0)
        scale = board.get("sensor_counts_per_mmhg", MPS20N0040D_COUNTS_PER_MMHG)
        each = scale if isinstance(scale, (list, tuple)) else [scale] * len(data)
        if len(each) != len(data) or not all(isinstance(c, int) and c > 0 for c in each):
            raise ValueError("board %s: sensor_counts_per_mmhg must be a whole number > 0, or one per sensor, not %r"
                             % (board["name"], scale))
        return HX710B(clock, data, scale)
    if kind == "analog":
        from analog_sensor import AnalogSensor

        adcs = [machine.ADC(Pin(p)) for p in board["sensor_adc_pins"]]
        return AnalogSensor(adcs, board["sensor_calibration"], machine.ADC.ATTN_11DB, 0,
                            board.get("sensor_top_dmmhg", 0))
    raise ValueError("board %s: unknown sensor %r (hx710b or analog)" % (board["name"], kind))


def _buttons(Pin, board):
    active = board.get("button_active", 0)
    no_pull = _NO_PULL.get(board.get("chip"), ())
    pins = []
    for name in buttons.NAMES:
        p = board["button_pins"][name]
        if board.get("button_pull_up", True) and not active and p not in no_pull:
            pins.append(Pin(p, Pin.IN, Pin.PULL_UP))
        else:
            pins.append(Pin(p, Pin.IN))
    trigger = None
    if board.get("button_irq", False):
        trigger = Pin.IRQ_RISING if active else Pin.IRQ_FALLING
    return ButtonsIO(pins, active, trigger)


def _led(Pin, board):
    if board.get("led_kind", "pin") == "ws2812":
        import neopixel
        from led_pixel import Pixel

        # A data line, not a lamp: it idles low whatever led_active says.
        pixel = Pixel(neopixel.NeoPixel(Pin(board["led_pin"], Pin.OUT, value=0), 1))
        write, tint = pixel.value, pixel.tint
        active = 1
    else:
        active = board.get("led_active", 1)
        pin = Pin(board["led_pin"], Pin.OUT, value=0 if active else 1)  # dark from the start
        write, tint = pin.value, None
    buzzer = None
    if "buzzer_pin" in board:
        buzzer = Pin(board["buzzer_pin"], Pin.OUT, value=0).value
    return Led(write, buzzer, active, tint)


def start(root, machine, ticks_diff, controller):
    """(Device, Controller, watchdog timeout ms) for the board named in root's board file;
    (None, None, 0) when the drivers or the core reject that board: said on the console,
    the outputs left safe. controller: the Controller class (only main.py imports the core)."""
    # Without a board nothing is driven (gate pull-downs hold every output off), so a
    # missing or wrong board file stops here with its message, not in a reset loop.
    board = load_board(root + BOARD_FILE)
    hw = None
    try:
        hw = build(machine, board)
        ctrl = controller(board, ticks_diff)
    except Exception as e:
        # A board the drivers or the core reject is no board either: boot.py left the
        # outputs safe, a reset would only fail the same way (and rewrite the crash log).
        if hw is not None:
            hw.safe()
        print("board %s not usable, control loop not started:" % board.get("name"), e)
        return None, None, 0
    # What only start-up needed (the board file, this module, topology.py, safe_state.py) is
    # dropped here, so its code holds no RAM in the loop (once main.py lets go of this module).
    for name in startup_modules(board):
        sys.modules.pop(name, None)
    return hw, ctrl, board.get("wdt_timeout_ms", limits.WDT_TIMEOUT_MS)


def loop_parts(root, hw, ctrl, time):
    """(keeper, telemetry): the settings keeper, with the saved settings restored into the
    controller (defaults, said on the console and by the LED, when they cannot be used), and
    the telemetry writer (None where there is no serial byte stream). time: the clock module."""
    try:  # the programs of /programs.json join the built-in ones, before the settings name one
        open(root + "/programs.json").close()
        import program_file  # (it lets itself go)

        program_file.add(root, ctrl, hw.led)
    except OSError:
        pass  # none
    keeper = SettingsKeeper(root + SETTINGS_PATH, ctrl)
    if keeper.restore():
        # Defaults are running; the file stays as it is until a setting changes.
        print("settings reset:", keeper.problem)
        hw.led.show(led.SETTINGS_RESET, led.SETTINGS_RESET_MS)
    # The constant tables: `pulseboot build` folds their numbers into the loop's modules
    # (tools/pulseboot/const_fold.py), so on the chip only start-up read them. (Run from source,
    # as on the host, the modules that import them keep them.)
    for name in FOLDED_TABLES:
        sys.modules.pop(name, None)
    # The telemetry line goes on the USB serial port (the console's byte stream), where there is one.
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        return keeper, None
    import telemetry

    return keeper, telemetry.Telemetry(out.write, ctrl.chambers, time.ticks_us, time.ticks_diff)
