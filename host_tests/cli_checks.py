"""What the command-line tests share: run `pulseboot` in-process, and the one-line usage error."""
from pulseboot import cli


def run_cli(capsys, *args):
    """(exit code, stdout, stderr) of `pulseboot ARGS...`."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *needles):
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
