"""The README's generated tables stay equal to what they are generated from: the wiring of
every board file, and the status LED patterns for every state and fault code. After a
change, `.venv/bin/python -m pulseboot.docs` prints the tables to paste in."""
import re

import pytest
from pulseboot import docs, fw, pins

import hx710b
import led
from faults import STATE_NAMES
from settings_io import SettingsKeeper

README = (fw.ROOT / "README.md").read_text()
HINT = "README out of date: paste the tables from `.venv/bin/python -m pulseboot.docs`"


def table_after(heading):
    """The markdown table rows that follow `heading` in the README."""
    at = README.find(heading)
    assert at >= 0, "README has no %r section: %s" % (heading, HINT)
    rows = []
    for line in README[at + len(heading):].lstrip("\n").splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append(line)
    return rows


@pytest.mark.parametrize("board", fw.board_names())
def test_readme_wiring_table_is_the_one_generated_from_the_board_file(board):
    table = table_after("#### `%s`" % board)
    expected = docs.wiring_table(fw.load_board(board)).splitlines()
    assert table == expected, HINT


@pytest.mark.parametrize("board", fw.board_names())
def test_the_wiring_rows_cover_every_pin_the_board_uses(board):
    b = fw.load_board(board)
    listed = {cell for row in docs.wiring_rows(b) for cell in row[1:2]}
    for pin, role, _out in pins.roles(b):
        assert "GPIO%d" % pin in listed, role
    if b.get("valve_driver") == "74hc595":
        outputs = [r for r in docs.wiring_rows(b) if r[1].startswith("74HC595 #")]
        assert len(outputs) == len(b["inlet_bits"]) + len(b["vent_bits"])
    gpio_rows = [r[1] for r in docs.wiring_rows(b) if r[1].startswith("GPIO")]
    assert len(gpio_rows) == len(set(gpio_rows))  # one row per pin, as the pin rules demand


def test_readme_led_table_matches_the_patterns_for_every_state_and_fault_code():
    table = table_after("### Status LED")
    assert table == docs.led_table().splitlines(), HINT
    rows = docs.led_rows()
    # Every state's pattern, the settings-reset notice and every fault code, from the data.
    assert len(docs.LED_WORDS) == len(led.PATTERNS) == STATE_NAMES.index("FAULT")  # a pattern per state but FAULT
    for state, (name, what) in enumerate(docs.LED_WORDS):
        assert any(r[0] == name and STATE_NAMES[state] in r[1] and r[2] == what for r in rows), name
    assert any(r[0] == docs.SETTINGS_RESET_WORDS[0] for r in rows)
    for code in range(1, len(fw.faults.NAMES)):
        row = next(r for r in rows if fw.faults.NAMES[code] in r[1])
        assert row[2].startswith("%d short flash" % code)
        ons = re.findall(r"on (\d+)", row[3])
        counts = re.findall(r"\(x(\d+)\)", row[3])
        assert len(ons) + sum(int(c) - 1 for c in counts) == code  # N flashes, N = the code
        assert row[3].endswith("off %d" % docs.fault_segments(code)[-1])


def test_timing_text_expands_back_to_the_segments():
    def expand(text):
        out = []
        for part in text.split("; "):
            m = re.fullmatch(r"on (\d+), off (\d+)(?: \(x(\d+)\))?", part)
            assert m, part
            out += [int(m.group(1)), int(m.group(2))] * int(m.group(3) or 1)
        return tuple(out)

    for row, segments in zip(docs.led_rows(), led.PATTERNS):
        assert expand(row[3]) == segments
    notice = next(r for r in docs.led_rows() if r[0] == docs.SETTINGS_RESET_WORDS[0])
    assert expand(notice[3]) == led.SETTINGS_RESET
    for code in range(1, len(fw.faults.NAMES)):
        row = next(r for r in docs.led_rows() if fw.faults.NAMES[code] in r[1])
        assert expand(row[3]) == docs.fault_segments(code)


def test_readme_settings_figures_match_the_firmware():
    lim = fw.limits
    assert "left alone for %d s" % (SettingsKeeper.delay_ms // 1000) in README
    assert "(%d-%d minutes)" % (lim.SESSION_MIN_MIN, lim.SESSION_MAX_MIN) in README
    assert "settings reset:" in README  # the console line main.py prints


def test_readme_build_and_flash_section_is_there_and_no_placeholder():
    for text in ("esptool.py --chip esp32 ", "write_flash -z 0x1000 ESP32_GENERIC-", "--chip esp32s3 ",
                 "write_flash -z 0 ESP32_GENERIC_S3-", "pulseboot build --board", "pulseboot flash --port",
                 "--dry-run", "manifest.py", "fs cat :crash.log", "MODE held at start"):
        assert text in README, text
    assert "Not ready yet" not in README
    # The HX710B range caution: full scale (2**23 counts) at the nominal scale, as hx710b.py derives it.
    assert "**%d mmHg above the sensor's own zero**" % round(2**23 / hx710b.MPS20N0040D_COUNTS_PER_MMHG) in README
    assert "not a medical device" in README


def test_readme_program_table_is_the_one_generated_from_the_program_records():
    from pulseboot.report import program_table

    assert table_after("### Programs") == program_table.table().splitlines(), HINT
    assert len(program_table.rows()) == fw.programs.BUILT_IN  # every built-in program has its row and its source
