"""`pulseboot fit`: sessions simulated on plants the fit has not seen (parameters drawn at random
around the presets, sensor noise and zero offsets on) give back each fitted parameter within
10 %; a trace that cannot identify a parameter is refused naming it and why; the preset file it
writes runs in `pulseboot sim --plant`, which names every mistake in such a file in one line.

The plants are the plain model (no limb, no warm air, no pump pulsation): the fit's model
(plant/fit_model.py), whose replay is first checked against the simulator itself."""
import csv
import dataclasses
import json
import random

import numpy as np
import pytest
from pulseboot import cli, run
from pulseboot.plant import PRESETS, PlantParams, fit, fit_data, fit_model
from pulseboot.plant.from_json import dump
from pulseboot.report.trace import TraceWriter, read_trace
from cli_checks import assert_one_line_error, run_cli

BOTTLE_L = 0.505  # a 0.5 L bottle and its hose
BOTTLE = {"chamber_min_l": BOTTLE_L, "chamber_unfold_l": 0.0, "knee_mmhg": 1.0, "tissue_l_per_mmhg": fit.BOTTLE_TISSUE}
# Three minutes of recovery at its top level, a long START, MODE, eight minutes of gradient:
# the bench procedure in the README.
PRESSES = [run.Press("start", 0, False), run.Press("start", 180000, True), run.Press("mode", 184000, False),
           run.Press("start", 186000, False)]


# Leaks from about the presets' (a chamber at 60 mmHg loses ~2 mmHg/min) to nearly twice that:
# the firmware takes a hold whose top-ups add more than 5 % of the fill's air for a LEAK, so a
# leak a session of a few minutes could measure closely would stop it. A leak the session
# cannot pin down is refused, naming it; kept from the base, the rest is fitted.
LEAK_C = (6e-5, 1.2e-4)


def plain(base, **values):
    """base with every effect the fit leaves out switched off (fit.unmodelled), and values."""
    off = {f.name: f.default for f in dataclasses.fields(PlantParams) if f.default is not dataclasses.MISSING}
    return dataclasses.replace(base, **off, **values)


def session(path, params, seed, duration_s=666.0, presses=PRESSES, program="recovery", level=60):
    with TraceWriter(path, 4) as writer:
        run.simulate(params=params, shell="core", program=program, level_mmhg=level, duration_s=duration_s,
                     seed=seed, presses=presses, on_tick=writer)
    return path


def fit_cli(capsys, *args):
    return run_cli(capsys, "fit", *args)



def assert_within(fitted, truth, tolerance=0.10):
    for name, value in fitted.items():
        assert abs(value["value"] / truth[name] - 1) <= tolerance, (name, value, truth[name])


def fit_json(capsys, *args):
    """pulseboot fit --json's result; when the leak is refused (too small to pin down in the
    session, see LEAK_C), the fit again with it kept."""
    code, text, err = fit_cli(capsys, *args, "--json")
    if code == 2 and ": leak_c: the trace pins it down only to \u00b1" in err:
        code, text, err = fit_cli(capsys, *args, "--json", "--keep", "leak_c")
    assert code == 0, err
    return json.loads(text)


# ---- the replay is the simulator's plant ---------------------------------------------------


@pytest.mark.parametrize("base,extra", [("small-leg", BOTTLE), ("small-leg", {}),
                                        ("large-leg", {"leak_c": 3e-4})])
def test_the_replay_follows_the_simulator(tmp_path, base, extra):
    params = plain(PRESETS[base], sensor_noise_mmhg=0.0, sensor_offset_mmhg=0.0, **extra)
    path = session(tmp_path / "clean.csv", params, 1, duration_s=150.0, presses=None)
    pieces, _ = fit_data.pieces(read_trace(path))
    piece = pieces[0]
    sim = np.frombuffer(fit_model.replay(params, piece.cmds)).reshape(-1, 4)[piece.rows]
    error = np.abs(sim - piece.belief)[piece.trust]
    assert error.max() < 0.1  # the readings' 0.1 mmHg steps, nothing more


# ---- bottles: the pump, the valves, the leak -------------------------------------------------


def bottle_truth(seed):
    rng = random.Random(seed)
    return {"pump_free_lpm": rng.uniform(2.5, 6.5), "pump_stall_mmhg": rng.uniform(300, 650),
            "inlet_c": rng.uniform(0.12, 0.4), "vent_c": rng.uniform(0.2, 0.8), "leak_c": rng.uniform(*LEAK_C)}


# One seed of each in `make test`; the others in the slow tier (`make test-slow`).
SLOW = pytest.mark.slow
@pytest.mark.parametrize("seed", [11, pytest.param(12, marks=SLOW), pytest.param(13, marks=SLOW)])
def test_a_bottle_session_gives_back_the_pump_valves_and_leak(capsys, tmp_path, seed):
    truth = bottle_truth(seed)
    trace = session(tmp_path / "bottles.csv", plain(PRESETS["small-leg"], **BOTTLE, **truth), seed)
    out = tmp_path / "bench.json"
    result = fit_json(capsys, trace, "--bottle-ml", BOTTLE_L * 1000, "--out", out)
    assert set(result["fitted"]) | set(result["kept"]) == set(fit.BOTTLE) and len(result["fitted"]) >= 4
    assert_within(result["fitted"], truth)
    assert result["rms_mmhg"] < 0.35  # the sensor's 0.3 mmHg noise, nothing more
    saved = json.loads(out.read_text())
    assert saved["params"]["chamber_min_l"] == BOTTLE_L and saved["fit"]["session"] == "bottle"
    code = cli.main(["sim", "--plant", str(out), "--duration", "30", "--shell", "core"])
    text = capsys.readouterr().out
    assert code == 0 and "plant bench" in text.splitlines()[0]  # named after the file


# ---- the boot: its volume curve and leak, given the pump and valves ----------------------------


def boot_truth(seed):
    rng = random.Random(seed)
    return {"chamber_unfold_l": rng.uniform(0.12, 0.45), "knee_mmhg": rng.uniform(10, 25),
            "tissue_l_per_mmhg": rng.uniform(2e-4, 1.2e-3), "leak_c": rng.uniform(*LEAK_C)}


def pump_and_valves(seed):
    rng = random.Random(1000 + seed)
    return {"pump_free_lpm": rng.uniform(3, 6), "pump_stall_mmhg": rng.uniform(350, 600),
            "inlet_c": rng.uniform(0.15, 0.35), "vent_c": rng.uniform(0.3, 0.7)}


def bottle_fit_file(path, hardware):
    """What the bottle fit wrote: the pump and valves, a bottle for a chamber."""
    params = plain(PRESETS["small-leg"], **hardware, **BOTTLE)
    path.write_text(dump(params, "bench", "small-leg"))
    return path


@pytest.mark.parametrize("seed", [21, pytest.param(22, marks=SLOW), pytest.param(23, marks=SLOW)])
def test_a_boot_session_gives_back_the_volume_curve_and_leak(capsys, tmp_path, seed):
    truth, hardware = boot_truth(seed), pump_and_valves(seed)
    trace = session(tmp_path / "towel.csv", plain(PRESETS["small-leg"], **hardware, **truth), seed)
    base = bottle_fit_file(tmp_path / "bench.json", hardware)
    result = fit_json(capsys, trace, "--base", base, "--out", tmp_path / "boot.json")
    assert set(result["fitted"]) | set(result["kept"]) == set(fit.BOOT) and len(result["fitted"]) >= 3
    assert_within(result["fitted"], truth)
    saved = json.loads((tmp_path / "boot.json").read_text())["params"]
    assert saved["chamber_min_l"] == PRESETS["small-leg"].chamber_min_l  # not the bottle's
    assert all(saved[name] == value for name, value in hardware.items())


def test_a_trace_with_a_row_every_4_ticks_is_refused(capsys, tmp_path):
    # What a bench monitor writes at a line every 100 ms: no true pressures, a row every 4 ticks.
    # Fitted anyway, such traces gave figures up to a third off with a small scatter.
    dense = session(tmp_path / "towel.csv", plain(PRESETS["small-leg"]), 31, duration_s=60.0)
    with open(dense, newline="") as f:
        rows = list(csv.reader(f))
    empty = [i for i, name in enumerate(rows[0]) if (name[:1] == "p" and name[1:].isdigit()) or name == "buttons"]
    sparse = tmp_path / "bench.csv"
    with open(sparse, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(
            [rows[0]] + [["" if i in empty else v for i, v in enumerate(r)] for r in rows[1::4]])
    assert_one_line_error(*fit_cli(capsys, sparse, "--base", "small-leg", "--out", tmp_path / "x.json"),
                          "the trace has a row every 100 ms; the fit needs one every 25 ms tick")
    lost = tmp_path / "lost.csv"  # a few rows lost here and there are bridged
    with open(lost, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r for k, r in enumerate(rows) if k % 50 != 7])
    assert fit_data.pieces(read_trace(lost))[0]


# ---- refusals ----------------------------------------------------------------------------------


def test_a_trace_without_venting_cannot_give_the_vent_valve(capsys, tmp_path):
    # A session cut just before the first filled chamber vents: chambers filled and held, none vented.
    trace = session(tmp_path / "whole.csv", plain(PRESETS["small-leg"], **BOTTLE), 3, duration_s=150.0,
                    presses=None, program="gradient", level=None)
    with open(trace, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    s1, out1 = header.index("s1"), header.index("out1")
    first = next(k for k in range(2, len(rows)) for i in range(4)
                 if rows[k][out1 + i] == "1" and rows[k - 1][out1 + i] == "0" and float(rows[k][s1 + i]) > 20)
    trace = tmp_path / "first.csv"
    with open(trace, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows[:first])
    assert_one_line_error(*fit_cli(capsys, trace, "--bottle-ml", 505, "--out", tmp_path / "x.json"),
                          "vent_c: cannot be identified from this trace: 0 vents of a filled chamber",
                          "--keep vent_c")
    assert not (tmp_path / "x.json").exists()


def test_a_leak_too_small_to_measure_is_refused_and_can_be_kept(capsys, tmp_path):
    trace = session(tmp_path / "tight.csv", plain(PRESETS["small-leg"], **BOTTLE, leak_c=1.5e-5), 4)
    assert_one_line_error(*fit_cli(capsys, trace, "--bottle-ml", 505, "--out", tmp_path / "x.json"),
                          "leak_c: the trace pins it down only to \u00b1", "--keep leak_c")
    code, text, err = fit_cli(capsys, trace, "--bottle-ml", 505, "--out", tmp_path / "x.json", "--keep", "leak_c",
                              "--json")
    assert code == 0, err
    result = json.loads(text)
    assert result["kept"] == ["leak_c"] and "leak_c" not in result["fitted"]
    assert json.loads((tmp_path / "x.json").read_text())["params"]["leak_c"] == PRESETS["small-leg"].leak_c


@pytest.fixture(scope="module")
def short_trace(tmp_path_factory):
    return session(tmp_path_factory.mktemp("fit") / "t.csv", plain(PRESETS["small-leg"]), 5, duration_s=20.0,
                   presses=None, program="gradient", level=None)


@pytest.mark.parametrize("args,needles", [
    ([], ["missing TRACE.csv"]),
    (["{trace}", "--bottle-ml", "505"], ["--out PRESET.json is needed"]),
    (["{trace}", "--out", "{tmp}/p.json"], ["only volume-to-flow ratios", "--bottle-ml N", "--base PRESET"]),
    (["{trace}", "--bottle-ml", "5", "--out", "{tmp}/p.json"], ["--bottle-ml '5'", "50 to 20000"]),
    (["{trace}", "--bottle-ml", "half", "--out", "{tmp}/p.json"], ["--bottle-ml 'half'"]),
    (["{trace}", "--bottle-ml", "505", "--out", "{tmp}/p.txt"], ["--out", "ending in .json"]),
    (["{trace}", "--base", "moon", "--out", "{tmp}/p.json"], ["--base: unknown plant 'moon'", "small-leg"]),
    (["{trace}", "--base", "{tmp}/none.json", "--out", "{tmp}/p.json"], ["--base: plant file", "no such file"]),
    (["{trace}", "--base", "limb:large-leg", "--out", "{tmp}/p.json"], ["--base 'limb:large-leg'", "limb model",
                                                                         "large-leg", "PRESET.json"]),
    (["{trace}", "--bottle-ml", "505", "--out", "{tmp}/p.json", "--keep", "knee_mmhg"],
     ["--keep 'knee_mmhg'", "pump_free_lpm"]),
    (["{trace}", "--bottle-ml", "505", "--out", "{tmp}/p.json", "--board", "esp32s3-8ch"],
     ["4 chambers but board esp32s3-8ch has 8"]),
    (["{trace}", "--bottle-ml", "505", "--out", "{tmp}/p.json", "--board", "esp32-devkitc-4ch-manifold"],
     ["no sensor and vent valve on every chamber"]),
    (["{tmp}/nowhere.csv", "--bottle-ml", "505", "--out", "{tmp}/p.json"], ["no such file"]),
    (["{tmp}/bad.csv", "--bottle-ml", "505", "--out", "{tmp}/p.json"], ["bad.csv: not a PulseBoot trace"]),
])
def test_fit_usage_errors_are_one_line(capsys, tmp_path, short_trace, args, needles):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    args = [a.format(trace=short_trace, tmp=tmp_path) for a in args]
    assert_one_line_error(*fit_cli(capsys, *args), *needles)
    assert not (tmp_path / "p.json").exists()


# ---- sim --plant PRESET.json ---------------------------------------------------------------------


@pytest.mark.parametrize("text,needle", [
    ('{"params": {"vent_c": "wide"}}', 'params.vent_c: "wide" is not a number'),
    ('{"params": {"vnt_c": 1}}', "params.vnt_c: unknown parameter; allowed: chamber_min_l"),
    ('{"params": {"knee_mmhg": 0}}', "params.knee_mmhg: 0 must be > 0"),
    ('{"params": {"leak_c": -1}}', "params.leak_c: -1 must be >= 0"),
    ('{"params": {"valve_b": 1.5}}', "params.valve_b: 1.5 must be > 0 and < 0.999"),
    ('{"params": {"sensor_quantum_dmmhg": 1.5}}', "params.sensor_quantum_dmmhg: 1.5 is not a whole number"),
    ('{"params": {"leak_c": true}}', "params.leak_c: true is not a number"),
    ('{"params": 3}', "params: expected an object"),
    ('{"base": "moon", "params": {}}', "base: unknown preset 'moon'"),
    ('{"pulseboot_plant": 9, "params": {}}', "pulseboot_plant: format 9"),
    ('[1, 2]', "expected a JSON object"),
    ('{"params": ', "not JSON: Expecting value at line 1"),
])
def test_a_bad_preset_file_is_one_line_naming_the_field(capsys, tmp_path, text, needle):
    path = tmp_path / "p.json"
    path.write_text(text)
    code = cli.main(["sim", "--plant", str(path), "--duration", "5"])
    out, err = capsys.readouterr()
    assert_one_line_error(code, out, err, f"pulseboot sim: plant file '{path}': {needle}")


def test_a_preset_file_gives_only_what_differs_from_its_base(capsys, tmp_path):
    path = tmp_path / "strong-pump.json"
    path.write_text('{"name": "strong pump", "base": "large-leg", "params": {"pump_free_lpm": 7}}')
    code = cli.main(["sim", "--plant", str(path), "--duration", "60", "--shell", "core"])
    out = capsys.readouterr().out
    assert code == 0 and "plant strong pump, seed 0" in out.splitlines()[0]
    assert cli.main(["sim", "--plant", str(tmp_path), "--duration", "5"]) == 2
    assert "is a directory" in capsys.readouterr().err
