"""What a run is doing, as it does it, on stderr: each stage says what it starts (which tables, how
many rows), and a long one reports every few seconds the rows done, rows/s and the time left —
plain lines, which a terminal, a file and a CI log all read the same (a publish's national tables
are loaded by two worker processes at once, whose lines interleave where two live bars would
garble each other). A short run prints its few start lines and nothing more."""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator


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
        if announce:
            say(f"... {what}" + (f" ({total:,} rows)" if total else ""))

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now >= self.next_line:
            self.next_line = now + self.every
            self.reported = True
            say(f"    {self.what}: {self.line(now)}")

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
        if self.reported:
            now = time.monotonic()
            say(f"    {self.what}: done, {self.done:,} rows in {_duration(now - self.start)} "
                f"({self.done / max(now - self.start, 1e-9):,.0f} rows/s)")


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
