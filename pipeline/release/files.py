"""Checksums of a release's files, computed once per file version."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path


def sha256(path: Path) -> str:
    """The file's SHA-256, computed once per file version (the data package, the catalogs and
    SHA256SUMS all list a national release's gigabyte of files)."""
    st = Path(path).stat()
    return _sha256(str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


@functools.lru_cache(maxsize=4096)
def _sha256(path: str, size: int, mtime_ns: int, inode: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
