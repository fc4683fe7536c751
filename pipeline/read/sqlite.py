"""The release database opened as every stage opens it: foreign keys on, `search_key()` in SQL."""

from __future__ import annotations

import contextlib
import sqlite3

from pipeline.read.text import search_key


@contextlib.contextmanager
def sqlite_connection(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.create_function("search_key", 1, search_key, deterministic=True)
    try:
        yield db
    finally:
        db.close()
