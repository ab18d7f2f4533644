"""Progress of a command's few long steps, on a terminal only: a spinner with the step's name
and the time it has taken, on stderr, gone when the command ends. Quiet when stderr is not a
terminal (piped, redirected, a test) or when the command prints JSON."""
import contextlib
import sys


class Steps:
    def __init__(self, show=None):
        self.show = sys.stderr.isatty() if show is None else show
        self._progress = None
        self._task = None

    def __enter__(self):
        if self.show:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=None)
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    @contextlib.contextmanager
    def step(self, name):
        """`with steps.step("reading the trace"):` names what is being done now."""
        if self._progress is not None:
            self._progress.update(self._task, description=name)
        yield
