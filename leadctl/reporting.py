"""How a service tells the person running it what is happening (imports nothing heavy).

One ``Reporter`` per command run carries progress bars, finished batches, warnings and notes:
the command hands services ``app.report(...)`` (``output.Reporter``, which writes to stderr and
remembers what was kept for the Ctrl-C note); services take ``report: Reporter = SILENT`` and
never print. ``Collect`` keeps what it is told, for tests and benchmarks.
"""

from __future__ import annotations

from typing import Protocol


class ProgressBar(Protocol):
    def update(self, n: int) -> None: ...

    def close(self) -> None: ...


class Reporter(Protocol):
    def progress(self, length: int, label: str = "") -> ProgressBar:
        """A progress bar of ``length`` units (bytes of a file, leads of a run)."""
        ...

    def batch(self, n: int) -> None:
        """A batch of ``n`` items is finished and committed."""
        ...

    def warn(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class Silent:
    """Reports to nobody: the default of every service."""

    def progress(self, length: int, label: str = "") -> ProgressBar:
        return _NoBar()

    def batch(self, n: int) -> None:
        pass

    def warn(self, text: str) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class Collect(Silent):
    """Keeps the warnings, notes and batch sizes it is told (tests, benchmarks)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.batches: list[int] = []

    def batch(self, n: int) -> None:
        self.batches.append(n)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)


SILENT: Reporter = Silent()
