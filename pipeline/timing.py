"""Where a run spends its time: `REMACTO_TIMINGS=1 python -m pipeline publish` prints each
stage's wall time to stderr (make bench does, for the whole publish)."""

from __future__ import annotations

import contextlib
import os
import sys
import time


@contextlib.contextmanager
def stage(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        if os.environ.get("REMACTO_TIMINGS"):
            print(f"  {name:<28} {time.perf_counter() - start:7.2f} s", file=sys.stderr, flush=True)
