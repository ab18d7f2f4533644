"""`pulseboot plot`: any saved trace drawn as `pulseboot sim --plot` draws a run (one drawing
code), with the state lane, presses, injected faults, trips and session ends; a bench trace
(no true pressures) drawn from its believed ones; the trace format's buttons and events
columns, an old trace without them, and every malformed file refused in one line."""
import csv

import numpy as np
import pytest
from matplotlib import image as mpimg
from pulseboot import cli
from pulseboot.report import events
from pulseboot.report.trace import FIXED, TraceError, read_trace
from cli_checks import assert_one_line_error, run_cli

SIM = ["--shell", "core", "--duration", "140", "--press", "start@0", "--press", "start@50", "--press", "start@58",
       "--press", "start@120:long", "--fault", "leak:2@100"]


run = run_cli



@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A sim run's trace and its own plot (PNG and SVG), made once."""
    d = tmp_path_factory.mktemp("session")
    for ext in ("png", "svg"):
        assert cli.main(["sim", *SIM, "--trace", str(d / "run.csv"), "--plot", str(d / f"sim.{ext}")]) == 0
    return d


def _rewrite(src, dst, change):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    rows = change(rows)
    with open(dst, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_the_trace_carries_presses_injections_targets_and_session_ends(session):
    t = read_trace(session / "run.csv")
    items = {}
    for t_ms, cell in zip(t["t_ms"], t["events"]):
        for key, value in events.parse(cell):
            items.setdefault(key, []).append((t_ms, value))
    assert items["board"] == [(0, "esp32-devkitc-4ch")] and items["limit"] == [(0, "200")]
    assert items["inject"] == [(100000, "leak:2")]
    assert items["end"] == [(t_ms, "long START") for t_ms, _ in items["end"]] and len(items["end"]) == 1
    assert events.targets(items["targets"][0][1]) == [45.0, 40.0, 35.0, 30.0]
    held = [t_ms for t_ms, b in zip(t["t_ms"], t["buttons"]) if b]
    assert held[0] == 0 and 50000 in held and 120000 in held and 122000 not in held  # a 2 s long press
    assert set(t["buttons"]) <= {0, 1}


def test_plot_draws_a_saved_trace_with_every_mark(capsys, session):
    out_path = session / "plot.svg"
    code, out, _ = run(capsys, "plot", session / "run.csv", "--out", out_path)
    assert code == 0 and out.startswith(f"plot: {out_path} (5601 rows, 4 chambers, true pressures")
    svg = out_path.read_text()
    for text in ("RUNNING", "PAUSED", "IDLE", "press START", "press START (long)", "leak, ch 2",
                 "session end: long START", "zoom: the last full wave", "chamber 1 (distal)", "chamber 4 (proximal)",
                 "target (dotted)", "fault injected", "state,"):
        assert text in svg, text


def test_sim_plot_and_trace_plot_are_the_same_drawing(capsys, session):
    assert run(capsys, "plot", session / "run.csv", "--out", session / "again.png")[0] == 0
    a = mpimg.imread(session / "sim.png")
    b = mpimg.imread(session / "again.png")
    assert a.shape == b.shape
    differ = np.abs(a - b).max(axis=2) > 0.1
    assert differ.mean() < 0.01  # only the title's count differs: the firmware's cycles, or the waves seen


def test_the_default_output_is_beside_the_trace(capsys, session):
    code, _, _ = run(capsys, "plot", session / "run.csv")
    assert code == 0 and (session / "run.png").read_bytes()[:4] == b"\x89PNG"


def test_a_bench_trace_is_drawn_from_its_believed_pressures(capsys, session, tmp_path):
    def bench(rows):
        header = rows[0]
        blank = [i for i, name in enumerate(header) if (name[:1] == "p" and name[1:].isdigit()) or name == "buttons"]
        return [header] + [[("" if i in blank else v) for i, v in enumerate(r)] for r in rows[1:]]

    _rewrite(session / "run.csv", tmp_path / "bench.csv", bench)
    code, out, _ = run(capsys, "plot", tmp_path / "bench.csv", "--out", tmp_path / "bench.svg")
    assert code == 0 and "believed (no true pressures in the trace) pressures" in out
    svg = (tmp_path / "bench.svg").read_text()
    assert "PulseBoot bench (believed pressures)" in svg and "believed" in svg
    assert "press START" not in svg  # no buttons recorded: no presses drawn


def test_a_format_1_trace_is_read_and_drawn(capsys, session, tmp_path):
    _rewrite(session / "run.csv", tmp_path / "v1.csv", lambda rows: [r[:-4] for r in rows])
    t = read_trace(tmp_path / "v1.csv")
    assert "buttons" not in t and "events" not in t and list(t)[:5] == list(FIXED)
    code, _, _ = run(capsys, "plot", tmp_path / "v1.csv", "--out", tmp_path / "v1.svg")
    assert code == 0
    assert "session end: stopped" in (tmp_path / "v1.svg").read_text()  # read off the states: no reason known


def test_a_bench_trace_with_a_row_every_few_ticks_is_drawn(capsys, session, tmp_path):
    _rewrite(session / "run.csv", tmp_path / "sparse.csv", lambda rows: rows[:1] + rows[1::4])
    code, out, _ = run(capsys, "plot", tmp_path / "sparse.csv", "--out", tmp_path / "sparse.png")
    assert code == 0 and "(1401 rows" in out


@pytest.mark.parametrize("content,needle", [
    ("", "empty file"),
    ("t_ms,state,program,fault,pump,p1,s1,in1,out1\n", "no rows after the header"),
    ("a,b,c\n1,2,3\n", "not a PulseBoot trace: no t_ms column"),
    ("t_ms,state,program,fault,pump,p1,in1,out1\n0,IDLE,gradient,,0,0,0,1\n", "no s1 column"),
    ("t_ms,state,program,fault,pump,p1,p2,s1,s2,in1,out1,out2\n", "no in2 column"),
    ("t_ms,state,program,fault,pump,p1,s1,in1,out1\n0,IDLE,gradient,,0,0,0,0,1\n25,IDLE,gradient,,0,0\n",
     "line 3: 6 fields, the header has 9"),
    ("t_ms,state,program,fault,pump,p1,s1,in1,out1\n0,IDLE,gradient,,0,0,x,0,1\n",
     "line 2, column s1: 'x' is not a number"),
    ("t_ms,state,program,fault,pump,p1,s1,in1,out1\n0,IDLE,gradient,,0.5,0,0,0,1\n",
     "line 2, column pump: '0.5' is not a whole number"),
    ("t_ms,state,program,fault,pump,p1,s1,in1,out1\n,IDLE,gradient,,0,0,0,0,1\n", "line 2: no time in column t_ms"),
])
def test_a_malformed_trace_is_one_line_naming_the_problem(capsys, tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(TraceError, match=needle):
        read_trace(path)
    assert_one_line_error(*run(capsys, "plot", path), f"pulseboot plot: {path}: ", needle)
    assert not (tmp_path / "bad.png").exists()


def test_a_binary_file_is_refused(capsys, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 40)
    assert_one_line_error(*run(capsys, "plot", path), "not CSV text")


@pytest.mark.parametrize("args,needle", [
    ([], "missing TRACE.csv"),
    (["nowhere.csv"], "'nowhere.csv': no such file"),
    (["{tmp}"], "is a directory"),
    (["{trace}", "--out", "x.gif"], "--out 'x.gif': expected a file path ending in .png, .svg, .pdf"),
    (["{png}"], "the plot would replace the trace itself"),
    (["{png}", "--out", "{png}"], "is the trace itself"),
    (["{trace}", "--out"], "--out needs a value"),
    (["{trace}", "--bogus"], "unexpected argument '--bogus'"),
])
def test_plot_usage_errors(capsys, session, tmp_path, args, needle):
    png = tmp_path / "trace.png"  # a trace named like a plot
    png.write_bytes((session / "run.csv").read_bytes())
    args = [a.format(tmp=tmp_path, trace=session / "run.csv", png=png) for a in args]
    assert_one_line_error(*run(capsys, "plot", *args), needle)


def test_a_png_has_no_version_stamp(session):
    # Same drawing, same bytes: what lets the README's images be checked (report/images.py).
    assert b"Software" not in (session / "sim.png").read_bytes()
