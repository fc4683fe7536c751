"""What a run is doing, as it does it, on stderr: each stage says what it starts (which tables, how
many rows), and a long one reports the rows done, rows/s and the time left. On a terminal, a stage
of the main process that lasts longer than the interval draws a live bar (rich, which frictionless
uses too); elsewhere (a file, a CI log, a worker process: a publish's national tables are loaded
by two at once, whose bars would garble each other) it prints a plain line every few seconds. A
short run prints its few start lines and nothing more, and never draws a bar."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress
# rich is imported when a bar is drawn: most runs draw none, and start 50 ms sooner without it.


# A table is announced as it starts from this many rows (or, when its rows are not known yet,
# this many bytes of CSV): below, it is done before anyone reads the line.
ANNOUNCE_ROWS = 50_000
ANNOUNCE_BYTES = 1_000_000


def interval() -> float:
    """Seconds between two progress lines of a stage (REMACTO_PROGRESS_SECONDS, default 5)."""
    return float(os.environ.get("REMACTO_PROGRESS_SECONDS", "5"))


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:,.0f} kB"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class Rows:
    """The rows a stage has done of `total` (None: not known), reported every interval()."""

    def __init__(self, what: str, total: int | None = None, announce: bool = True):
        self.what, self.total, self.done = what, total, 0
        self.start = time.monotonic()
        self.every = interval()
        self.next_line = self.start + self.every
        self.reported = False
        self.bar: Progress | None = None
        # A bar where someone watches a terminal, and only this process draws on it.
        self.live = bool(total) and sys.stderr.isatty() and multiprocessing.parent_process() is None
        if announce:
            say(f"... {what}" + (f" ({total:,} rows)" if total else ""))

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, rate=f"{self.done / max(now - self.start, 1e-9):,.0f}")
        elif now >= self.next_line:
            self.next_line = now + self.every
            self.reported = True
            if self.live:
                self._start_bar(now)
            else:
                say(f"    {self.what}: {self.line(now)}")

    def _start_bar(self, now: float) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn(f"    {self.what}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task(
            self.what, total=self.total, completed=self.done, rate=f"{self.done / max(now - self.start, 1e-9):,.0f}"
        )
        self.bar.start()

    def line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        done = f"{self.done:,} rows"
        if self.total:
            done = f"{self.done:,} of {self.total:,} rows ({100 * self.done // self.total}%)"
        parts = [done, f"{rate:,.0f} rows/s"]
        if self.total and rate:
            parts.append(f"about {_duration(max(self.total - self.done, 0) / rate)} left")
        return ", ".join(parts)

    def close(self) -> None:
        """A stage that reported progress says it is done; a short one has said enough."""
        if self.bar is not None:
            self.bar.stop()
        if self.reported:
            now = time.monotonic()
            say(
                f"    {self.what}: done, {self.done:,} rows in {_duration(now - self.start)} "
                f"({self.done / max(now - self.start, 1e-9):,.0f} rows/s)"
            )


@contextlib.contextmanager
def rows(what: str, total: int | None = None, announce: bool = True) -> Iterator[Rows]:
    tracker = Rows(what, total, announce)
    yield tracker
    tracker.close()


def batches(what: str, total: int | None, items: Iterable[list]) -> Iterator[list]:
    """`items` (batches of rows) passed on, their rows counted as they go."""
    with rows(what, total, announce=total is None or total >= ANNOUNCE_ROWS) as tracker:
        for batch in items:
            yield batch
            tracker.advance(len(batch))
