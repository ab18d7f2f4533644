"""Custom program files: the device's own checks (firmware/lib/program_file.py) refuse each kind
of mistake with one line naming the field, a refused file leaves the built-in programs running,
and a good one runs on the device and through `pulseboot sim --program-file` / `program check`."""
import json

import pytest
from pulseboot import custom_programs, fw
from pulseboot.cli import main
from pulseboot.run import simulate

BOARD = fw.load_board(fw.DEFAULT_BOARD)
GOOD = {"programs": [{"name": "calf", "style": "pulse", "level_mmhg": 45, "hold_s": 2, "rest_s": 15,
                      "boost_chamber": 2, "boost_mmhg": 10, "boost_hold_s": 2},
                     {"name": "mine", "targets_mmhg": [45, 40, 38, 30], "rest_s": 20}]}


def text(data):
    return json.dumps(data)


def one(**fields):
    return text({"programs": [dict({"name": "p1", "level_mmhg": 40}, **fields)]})


@pytest.mark.parametrize(("file_text", "board", "names"), [
    (one(hold_s="2"), BOARD, "hold_s: expected seconds"),  # a wrong type
    (one(hold=2), BOARD, 'unknown key "hold"'),
    (one(level_mmhg=90), BOARD, "level_mmhg: 90 mmHg is beyond the sensor's range"),
    (one(level_mmhg=90), dict(BOARD, hard_limit_dmmhg=800), "level_mmhg: 90 mmHg is above the board's ceiling"),
    (one(inflate_s=0), BOARD, "inflate_s: expected seconds from 1 to 30"),  # impossible timing
    (one(style="wave"), BOARD, "overlap_s: expected seconds"),
    (one(inflate_s=30, hold_s=50), BOARD, "over the 180 s tourniquet limit"),  # breaks the limiter's rule
    (text({"programs": [{"name": "p1", "targets_mmhg": [40, 35, 30, 30, 25]}]}), BOARD,
     "targets_mmhg: expected a list of 4"),  # more chambers than the board has
    (one(boost_chamber=5), BOARD, "boost_chamber: expected a whole number from 0 to 4"),
    (one(name="gradient"), BOARD, "name: gradient is taken"),
    (one(style="pulse"), fw.load_board("esp32-devkitc-4ch-manifold"), "style: needs a vent valve on every chamber"),
    ("{", BOARD, "not valid JSON"),
])
def test_each_mistake_is_refused_naming_its_field(file_text, board, names):
    before = fw.programs.NAMES, fw.programs.PROGRAMS
    with pytest.raises(custom_programs.ProgramFileError) as e:
        custom_programs.check(file_text, board, "f.json")
    line = str(e.value)
    assert line.startswith("f.json: ") and names in line and "\n" not in line
    assert (fw.programs.NAMES, fw.programs.PROGRAMS) == before  # nothing replaced


def test_a_good_file_adds_its_programs_for_the_run_only():
    custom = custom_programs.check(text(GOOD), BOARD, "f.json")
    with custom_programs.installed(custom):
        assert fw.programs.NAMES[-2:] == ("calf", "mine") and fw.programs.COUNT == 7
        out = [0] * 4
        fw.programs.fill_targets(fw.programs.find("mine"), 4, 450, out)
        assert out == [450, 400, 380, 300]
        fw.programs.fill_targets(fw.programs.find("calf"), 4, 450, out)
        assert out == [450, 550, 450, 450]
    assert fw.programs.COUNT == fw.programs.BUILT_IN


def test_the_device_runs_a_custom_program_from_its_flash(capsys):
    custom = custom_programs.check(text(GOOD), BOARD, "f.json")
    with custom_programs.installed(custom):
        summary = simulate(program="mine", duration_s=90, flash_files={"programs.json": text(GOOD)})
    assert summary["program"] == "mine" and summary["faults"] == [] and summary["cycles"] >= 1
    assert summary["targets_mmhg"] == [45, 40, 38, 30]
    assert "programs.json not used" not in capsys.readouterr().out


def test_a_refused_file_leaves_the_built_in_programs_running_and_says_so(capsys):
    from pulseboot.run import device_shell

    result = device_shell.run_device(duration_ms=4000, flash_files={"programs.json": one(level_mmhg=500)})
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "programs.json not used" in line]
    assert len(lines) == 1 and "level_mmhg" in lines[0]
    assert result["final"]["state"] in ("IDLE", "RUNNING") and result["ctrl"].program == 0
    assert fw.programs.COUNT == fw.programs.BUILT_IN
    world = result["world"]
    assert world is not None


@pytest.mark.parametrize("argv", [["program", "check", "{missing}"], ["program", "check", "{bad}"],
                                  ["sim", "--program-file", "{bad}"], ["program", "check"], ["program", "chek"]])
def test_a_bad_file_or_command_is_one_line_and_exit_2(argv, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(one(hold_s=-1))
    argv = [a.format(missing=tmp_path / "none.json", bad=bad) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("pulseboot ")


def test_program_check_simulates_each_program_and_writes_its_plot(tmp_path, capsys):
    f = tmp_path / "p.json"
    f.write_text(text({"programs": [GOOD["programs"][1]]}))
    code = main(["program", "check", str(f), "--out", str(tmp_path / "plots")])
    out = capsys.readouterr().out
    assert "mine: " in out and (tmp_path / "plots" / "program-mine.png").stat().st_size > 0
    assert code == (0 if "mine: ok" in out else 1)
