"""`pulseboot build --out DIR`: a build only ever replaces a previous build, and only what that
build made; everything else in the way is refused with one line, never deleted.
Every build here goes into tmp_path, never into the repository."""
import json
import os
import pathlib

import pytest

from pulseboot import build, cli, fw

BOARD = fw.DEFAULT_BOARD


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err):
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def tree(path):
    """Every file under path with its content: what a user would miss."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(pathlib.Path(path).rglob("*")) if p.is_file()}


@pytest.fixture
def default_out(tmp_path, monkeypatch):
    """The default build/ directory, moved into tmp_path."""
    out = tmp_path / "repo" / "build"
    monkeypatch.setattr(build, "DEFAULT_OUT", out)
    return out


def test_a_directory_that_is_not_a_build_is_refused_and_left_alone(capsys, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("notes\n")
    code, out, err = run(capsys, "build", "--out", precious)
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("pulseboot build: ") and str(precious) in line
    assert "not empty" in line and "a new or empty directory, or a previous build" in line
    assert tree(precious) == {"notes.txt": b"notes\n"}


def test_out_dot_in_a_repository_is_refused(capsys, tmp_path, monkeypatch):
    repo = tmp_path / "clone"
    (repo / "firmware").mkdir(parents=True)
    (repo / "README.md").write_text("# mine\n")
    (repo / "firmware" / "main.py").write_text("print(1)\n")
    before = tree(repo)
    monkeypatch.chdir(repo)
    code, _out, err = run(capsys, "build", "--out", ".")
    assert code == 2 and "not empty" in one_line(err)
    assert tree(repo) == before


def test_the_default_build_directory_is_guarded_the_same_way(capsys, default_out):
    default_out.mkdir(parents=True)
    (default_out / "notes.txt").write_text("keep\n")
    code, _out, err = run(capsys, "build")
    assert code == 2 and str(default_out) in one_line(err)
    assert tree(default_out) == {"notes.txt": b"keep\n"}


def test_the_default_build_directory_is_made_then_replaced(capsys, default_out):
    assert run(capsys, "build")[0] == 0
    first = tree(default_out)
    assert "lib/controller.mpy" in first and build.STAMP in first
    assert run(capsys, "build", "--board", "esp32s3-8ch")[0] == 0
    files = set(tree(default_out))
    assert "lib/boards/esp32s3_8ch.mpy" in files and "lib/boards/esp32_devkitc_4ch.mpy" not in files


def test_new_and_empty_directories_are_fine(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (build.build(BOARD, empty) / "board.txt").read_text().strip() == BOARD
    nested = tmp_path / "a" / "b" / "c"
    assert (build.build(BOARD, nested) / "main.py").exists()


def test_a_rebuild_deletes_only_what_the_previous_build_made(tmp_path):
    out = build.build(BOARD, tmp_path / "out")
    stamp = json.loads((out / build.STAMP).read_text())
    assert sorted(stamp["files"]) == sorted(f for f in tree(out) if f != build.STAMP)
    # A module an older firmware had: made by that build, so it goes.
    (out / "lib" / "gone.mpy").write_bytes(b"old")
    (out / build.STAMP).write_text(json.dumps(dict(stamp, files=[*stamp["files"], "lib/gone.mpy"])))
    # What the user put there stays.
    (out / "notes.txt").write_text("mine\n")
    (out / "lib" / "extra.py").write_text("x = 1\n")
    (out / "mine").mkdir()
    (out / "mine" / "a.txt").write_text("a\n")
    build.build("esp32s3-8ch", out)
    files = tree(out)
    assert "lib/gone.mpy" not in files and "lib/boards/esp32_devkitc_4ch.mpy" not in files
    assert files["notes.txt"] == b"mine\n" and files["lib/extra.py"] == b"x = 1\n" and files["mine/a.txt"] == b"a\n"
    assert (out / "board.txt").read_text().strip() == "esp32s3-8ch"
    assert "lib/extra.py" not in json.loads((out / build.STAMP).read_text())["files"]


def test_a_file_of_the_user_in_the_way_of_the_build_is_refused(capsys, tmp_path):
    out = build.build(BOARD, tmp_path / "out")
    stamp = json.loads((out / build.STAMP).read_text())
    mine = [f for f in stamp["files"] if f != "board.txt"]  # board.txt: now the user's, not the build's
    (out / build.STAMP).write_text(json.dumps(dict(stamp, files=mine)))
    (out / "board.txt").write_text("edited by hand\n")
    code, _out, err = run(capsys, "build", "--out", out)
    assert code == 2 and "board.txt" in one_line(err)
    assert (out / "board.txt").read_text() == "edited by hand\n"


@pytest.mark.parametrize("entry", ["../outside.txt", "OUTSIDE", "lib/../../outside.txt", "", "."])
def test_a_stamp_naming_anything_outside_its_directory_is_no_build(tmp_path, entry):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "boot.py").write_text("old\n")
    entry = str(outside) if entry == "OUTSIDE" else entry
    (out / build.STAMP).write_text(json.dumps({"files": ["boot.py", entry]}))
    with pytest.raises(build.BuildError, match="not empty"):
        build.build(BOARD, out)
    assert outside.read_text() == "keep\n" and (out / "boot.py").read_text() == "old\n"


def test_a_build_never_follows_a_link_out_of_its_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "controller.mpy").write_text("keep\n")
    out = build.build(BOARD, tmp_path / "out")
    for f in (out / "lib").rglob("*"):
        if f.is_file():
            f.unlink()
    (out / "lib" / "boards").rmdir()
    (out / "lib").rmdir()
    (out / "lib").symlink_to(elsewhere)  # lib/ now leads out of the build directory
    with pytest.raises(build.BuildError, match="lib"):
        build.build(BOARD, out)
    assert tree(elsewhere) == {"controller.mpy": b"keep\n"}


@pytest.mark.parametrize("stamp", ["", "{", "[]", '{"files": "boot.py"}', '{"files": [1]}'])
def test_a_broken_stamp_is_not_a_build(tmp_path, stamp):
    out = tmp_path / "out"
    out.mkdir()
    (out / build.STAMP).write_text(stamp)
    (out / "boot.py").write_text("mine\n")
    with pytest.raises(build.BuildError, match="not empty"):
        build.build(BOARD, out)
    assert (out / "boot.py").read_text() == "mine\n"


def test_a_failed_build_leaves_the_previous_build_whole(tmp_path, monkeypatch):
    out = build.build(BOARD, tmp_path / "out")
    before = tree(out)

    def reject(src, dest, march, root=fw.ROOT):
        raise build.BuildError("%s: line 1: invalid syntax" % src.name)

    monkeypatch.setattr(build, "compile_file", reject)
    with pytest.raises(build.BuildError):
        build.build("esp32s3-8ch", out)
    assert tree(out) == before


def test_out_naming_a_regular_file_is_one_line_exit_2(capsys, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n")
    code, _out, err = run(capsys, "build", "--out", readme)
    assert code == 2 and str(readme) in one_line(err) and "Not a directory" in err
    assert readme.read_text() == "# mine\n"


@pytest.mark.parametrize("under", ["x", "x/y"])
def test_out_under_a_regular_file_says_not_a_directory(capsys, tmp_path, under):
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n")
    code, _out, err = run(capsys, "build", "--out", readme / under)
    assert code == 2 and "Not a directory" in one_line(err) and "File exists" not in err
    assert str(readme) in err and readme.read_text() == "# mine\n"


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_out_where_no_directory_can_be_made_is_one_line_exit_1(capsys):
    code, _out, err = run(capsys, "build", "--out", "/proc/x")
    assert code == 1 and "/proc/x" in one_line(err)


def test_an_os_error_while_writing_is_one_line_exit_1(capsys, tmp_path, monkeypatch):
    def full(*a, **kw):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "main.py"))

    monkeypatch.setattr(build.shutil, "copyfile", full)
    code, _out, err = run(capsys, "build", "--out", tmp_path / "out")
    assert code == 1 and "No space left on device" in one_line(err)


def test_the_listing_names_what_the_build_made_and_the_bundle_excludes_the_stamp(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, text, _err = run(capsys, "build", "--out", out)
    assert code == 0 and build.STAMP not in text
    made = json.loads((out / build.STAMP).read_text())["files"]
    assert build.bundle_bytes(out) == sum((out / f).stat().st_size for f in made)
    assert f"{len(made)} files, {build.bundle_bytes(out)} bytes" in text


def test_line_numbers_are_left_out_unless_asked_for_and_a_traceback_still_names_the_function(capsys, tmp_path):
    import subprocess

    from pulseboot import installed

    assert run(capsys, "build", "--out", tmp_path / "lean")[0] == 0
    assert run(capsys, "build", "--out", tmp_path / "lines", "--line-numbers")[0] == 0
    lean = sum(p.stat().st_size for p in (tmp_path / "lean" / "lib").glob("*.mpy"))
    lines = sum(p.stat().st_size for p in (tmp_path / "lines" / "lib").glob("*.mpy"))
    assert lean < lines * 0.95  # the line tables are a good share of the bytecode
    # A fault raised inside a lean module: the traceback names the file and the function.
    script = ("import sys; sys.path.insert(0, %r)\nimport programs\nprograms.clamp_level(99, 0)\n"
              % str(tmp_path / "lean" / "lib"))
    proc = subprocess.run([installed.tool("micropython"), "-c", script], check=False, capture_output=True,
                          text=True)
    said = proc.stdout + proc.stderr
    assert 'File "lib/programs.mpy"' in said and "in clamp_level" in said and "IndexError" in said, said
