"""Validation of every table in DuckDB, one scan a table, with frictionless's own verdicts.

The Table Schema stays the single source of truth and frictionless the reference. DuckDB reads
the CSV (or the rows read into memory) as text and, for every cell, in one scan of the table,
decides only one thing: is this cell *certainly* fine (a
canonical spelling of its type, e.g. `-?[0-9]+` for an integer, that meets every constraint)? That
test is written to be strict, never lenient, so it cannot pass a cell frictionless would refuse.
Every other cell -- the errors, and odd but valid spellings such as `+5`, ` 5` or `1_000` -- is
handed to frictionless's own cell reader for the verdict, so type and constraint errors are
frictionless's by construction. Uniqueness, primary and foreign keys run in SQL on the values
parsed the same way (odd spellings with the values frictionless gives them). Errors are counted,
never capped. DuckDB's own casts are not trusted: TRY_CAST('12.5' AS BIGINT) gives 13 and
strptime accepts trailing spaces, so every cast is guarded by an exact regular expression.
frictionless is imported only when a table has a doubtful cell or an error: a clean project is
validated without it.

A file DuckDB cannot read strictly (ragged rows, bad quoting, not UTF-8, NUL bytes) raises
`Fallback`: validation then reads it the slow way, which names the exact defect.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipeline.check import conventions
from pipeline.model import Table
from pipeline.model.problems import problem
from pipeline.model.report import Problem
from pipeline.model.types import CANONICAL_EXACT_NUMBER, CANONICAL_INTEGER, EXACT_TYPES
from pipeline.model.types import quote_literal as lit, quote_name as q
from pipeline.read.csv import MAX_CELL_CHARS
from pipeline.read.text import FORMULA_FIRST, NEEDS_CLEANING_RE2, normalise_rows

if TYPE_CHECKING:
    from frictionless import Schema
# frictionless is imported for a doubtful cell or an error, never with this module: a clean table
# needs none of it, the build's worker processes use only the DuckDB helpers, and it takes 0.4 s.

DUCKDB_MEMORY_LIMIT = "500MB"
# Tables whose CSV is at least this big are read by DuckDB from disk and left there for the build
# (about 1,500 rows); smaller ones are read into memory first (the strict reader names a damaged
# file's defect, and the build takes their rows as they are) and checked by the same scan.
MIN_BYTES = 100_000
# Up to this much CSV in a run, DuckDB keeps the text in memory (about 2M rows of 14 columns).
IN_MEMORY_MAX_BYTES = 250_000_000
# Stands for the column in the SQL templates below (a NUL cannot occur in a schema's literals).
C = "\x00c\x00"
_MISSING = f"({C} IS NULL OR {C} = '')"
# strptime directives with the exact two- or four-digit spelling DuckDB and Python both read alike.
_DIRECTIVES = {
    "%Y": "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})",
    "%m": "(0[1-9]|1[0-2])",
    "%d": "(0[1-9]|[12][0-9]|3[01])",
    "%H": "([01][0-9]|2[0-3])",
    "%M": "[0-5][0-9]",
    "%S": "[0-5][0-9]",
}
_DEFAULT_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%dT%H:%M:%S"}
_SQL_TYPE = {"date": "DATE", "time": "TIME", "datetime": "TIMESTAMP"}
# Python's re and RE2 read \d \w \s \b differently outside ASCII.
_UNICODE_CLASSES = re.compile(r"\\[dDwWsSbB]|\(\?[a-zA-Z]")
_CONTROL = f"regexp_matches({C}, '[\\x00-\\x1f\\x7f-\\x9f\\x{{2028}}\\x{{2029}}]')"
# A pattern of printable ASCII with no '.', escape or negated class matches printable ASCII only:
# a cell it matches holds no control character, so it needs no separate test for one.
_PRINTABLE_ONLY = re.compile(r"[ -~]*").fullmatch


@dataclass(frozen=True)
class LargeCsv:
    """A validated large table left on disk: the build streams it instead of holding its rows."""

    path: Path
    rows: int
    table: Table

    def __len__(self) -> int:
        return self.rows

    def __iter__(self):
        """The normalised rows, streamed (for the few readers that want the cells themselves)."""
        return normalised_rows(self.path, self.table)


def min_bytes() -> int:
    """The size from which a table takes the fast path; REMACTO_FAST_MIN_BYTES overrides it
    (0: every table, as the tests do to compare both paths)."""
    return int(os.environ.get("REMACTO_FAST_MIN_BYTES", MIN_BYTES))


def duckdb_memory_limit() -> str:
    """DuckDB's memory for one connection (REMACTO_DUCKDB_MEMORY_LIMIT overrides): bounded, so a
    national table spills to disk instead of growing the process with the input (DuckDB's default
    is 80 % of the machine's memory)."""
    return os.environ.get("REMACTO_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT)


def connect(path: str = ":memory:", spill: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the pipeline's settings: bounded memory, file order kept."""
    con = duckdb.connect(path)
    con.execute(f"SET memory_limit = {lit(duckdb_memory_limit())}")
    if spill is not None:
        con.execute(f"SET temp_directory = {lit(str(spill))}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    return con


def line_limits(table: Table) -> str:
    """DuckDB read_csv's line and buffer sizes for a table: room for its longest valid row (every
    cell at load.MAX_CELL_CHARS characters of up to 4 UTF-8 bytes). DuckDB sizes its read buffer
    from the line limit, up to the whole file: a generous limit made it hold a 10M-row file in
    memory. A longer line is a defect: DuckDB fails, and the slow way names the cell."""
    longest = len(table.fields) * (MAX_CELL_CHARS * 4 + 3) + 2
    return f"max_line_size = {longest}, buffer_size = {max(8 << 20, 2 * longest)}"


def in_memory_max_bytes() -> int:
    """REMACTO_FAST_IN_MEMORY_MAX_BYTES overrides IN_MEMORY_MAX_BYTES (-1: always on disk)."""
    return int(os.environ.get("REMACTO_FAST_IN_MEMORY_MAX_BYTES", IN_MEMORY_MAX_BYTES))


class Fallback(Exception):
    """The file needs the slow, exact reader (it names the defect DuckDB only fails on)."""


@dataclass
class Result:
    rows: int = 0
    errors: list = dc_field(default_factory=list)  # frictionless Error objects, in row order
    problems: list = dc_field(default_factory=list)  # Problems of the project's own rules
    readable: bool = True  # False: cells too long, not read further


def text_source(path: Path, table: Table, one_thread: bool = False) -> str:
    """A raw CSV as DuckDB reads it for validation and for the build: every column as text, strictly
    (a ragged row or a stray quote is an error, not a guess), in file order. `one_thread`: read by
    one thread, so that a table made from it has the file's rows in the file's order whatever the
    SELECT computes (with two threads, DuckDB 1.5.5 and 2.0.1 both stored some rows of a 31,000-row
    CSV out of order once the SELECT computed more than its columns)."""
    columns = "{" + ", ".join(f"{lit(f.name)}: 'VARCHAR'" for f in table.fields) + "}"
    return (
        f"read_csv({lit(str(path))}, header = true, auto_detect = false, columns = {columns}, delim = ',', "
        f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, {line_limits(table)}, "
        f"encoding = 'utf-8'{', parallel = false' if one_thread else ''})"
    )


BATCH = 50_000


def normalised_rows(path: Path, table: Table) -> Iterator[list[str]]:
    """The rows of a validated CSV, in file order, as read.text.normalise_rows gives them."""
    types = [f.type for f in table.fields]
    flag = " OR ".join(f"regexp_matches(coalesce({q(f.name)}, ''), {lit(NEEDS_CLEANING_RE2)})" for f in table.fields)
    con = connect()
    try:
        cursor = con.execute(f"SELECT ({flag}) AS needs_cleaning, * FROM {text_source(path, table)}")
        while batch := cursor.fetchmany(BATCH):
            for needs_cleaning, *cells in batch:
                cells = ["" if c is None else c for c in cells]
                yield normalise_rows([cells], types)[0] if needs_cleaning else cells
    finally:
        con.close()


SCAN_CHUNK = 8 << 20


@dataclass(frozen=True)
class Lines:
    """What a CSV's bytes say before DuckDB reads it: its header, and its line ends to count its rows by."""

    header: list[str]
    newlines: int  # LF bytes
    final_newline: bool  # the last byte is an LF
    cr: bool  # a CR anywhere


def read_lines(path: Path) -> Lines:
    """The first record, read the way load.read_csv reads it, and the file's line ends (one-byte
    searches only); Fallback on UTF-16, a NUL byte or a first record Python cannot read."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Fallback("UTF-16")
    if head.lstrip(b"\xef\xbb\xbf")[:1] in (b"\n", b"\r"):
        raise Fallback("empty line")
    newlines, cr, last = 0, False, b""
    # Read in chunks, not mapped whole: a mapped file's pages count as the process's memory.
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN_CHUNK):
            if b"\x00" in chunk:
                raise Fallback("NUL byte")
            newlines += chunk.count(b"\n")
            cr = cr or b"\r" in chunk
            last = chunk[-1:]
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        raise Fallback(str(exc)) from exc
    return Lines(header, newlines, last == b"\n", cr)


def no_empty_line(path: Path, lines: Lines, rows: int) -> None:
    """Fallback("empty line") if the CSV has one. Python's csv reads an empty line as an empty record
    (frictionless then counts it as a row); DuckDB skips it and every later row number would shift.
    When the file's LFs are exactly its records' (the header and DuckDB's `rows`, the last maybe
    without one), no line is empty (nor has a cell a line break) and the file is not read again."""
    if not lines.cr and lines.newlines == rows + (1 if lines.final_newline else 0):
        return
    _search_empty_lines(path)


def _search_empty_lines(path: Path) -> None:
    with path.open("rb") as fh:
        carry = b""  # the end of the previous chunk, for a blank line across the boundary
        while chunk := fh.read(SCAN_CHUNK):
            window = carry + chunk
            # (A two-byte search is ten times slower than a one-byte one: the CR forms only where a CR is.)
            blanks = (b"\n\n", b"\n\r\n", b"\r\r") if b"\r" in window else (b"\n\n",)
            if any(blank in window for blank in blanks):
                raise Fallback("empty line")
            carry = window[-2:]


def read_header(path: Path) -> list[str]:
    """The first record, read the way load.read_csv reads it; Fallback on anything unusual (an
    empty line too, searched for in the whole file)."""
    lines = read_lines(path)
    _search_empty_lines(path)
    return lines.header


# byte ranges of a CSV that start where a record starts
# A file of at least this many bytes is scanned in ranges (REMACTO_SCAN_SPLIT_MIN_BYTES overrides).
SPLIT_MIN_BYTES = 16 << 20


def split_min_bytes() -> int:
    return int(os.environ.get("REMACTO_SCAN_SPLIT_MIN_BYTES", SPLIT_MIN_BYTES))


def scan_ranges() -> int:
    """Ranges a big CSV is scanned in, side by side: one a core (REMACTO_SCAN_RANGES overrides; 1: one scan)."""
    return max(1, int(os.environ.get("REMACTO_SCAN_RANGES", os.cpu_count() or 1)))


def _record_end(fh, start: int, odd: bool) -> int | None:
    """The offset just after the first LF at or after `start` that is outside a quoted field
    (`odd`: the quotes before `start` are odd in number, i.e. `start` is inside one); None at the
    file's end. In a well-formed file a field's quotes come in pairs (`""` inside one), so an LF
    after an even number of quotes ends a record; in a damaged one, DuckDB fails on the defect in
    the range that holds it, as it fails reading the whole file."""
    fh.seek(start)
    pos = start
    while chunk := fh.read(SCAN_CHUNK):
        i = 0
        while (j := chunk.find(b"\n", i)) >= 0:
            odd ^= chunk.count(b'"', i, j) & 1
            if not odd:
                return pos + j + 1
            i = j + 1
        odd ^= chunk.count(b'"', i) & 1
        pos += len(chunk)
    return None


def _quotes(fh, start: int, end: int) -> int:
    fh.seek(start)
    count, left = 0, end - start
    while left > 0 and (chunk := fh.read(min(SCAN_CHUNK, left))):
        count += chunk.count(b'"')
        left -= len(chunk)
    return count


def range_starts(path: Path, ranges: int, targets: list[int] | None = None) -> list[int]:
    """Where the ranges after the first start: the first record end at or after each target
    offset (by default the body cut in `ranges` equal parts), past the header, before the file's
    end, each after the one before; [] when the file cannot be cut."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header_end = _record_end(fh, 0, False)
        if header_end is None:
            return []
        if targets is None:
            targets = [header_end + (size - header_end) * k // ranges for k in range(1, ranges)]
        starts, pos, odd = [], header_end, False
        for target in sorted(targets):
            target = max(target, pos)
            odd ^= bool(_quotes(fh, pos, target) & 1)
            end = _record_end(fh, target, odd)
            if end is None or end >= size:
                break
            starts.append(end)
            pos, odd = end, False
    return starts


def write_ranges(path: Path, starts: list[int], folder: Path) -> list[Path]:
    """One file a range: the first is the file up to starts[0]; each other, the header's bytes
    followed by its own (copied by the kernel)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header_end = _record_end(fh, 0, False)
    bounds = [0, *starts, size]
    files = []
    with path.open("rb") as src:
        for i, (start, end) in enumerate(zip(bounds, bounds[1:])):
            out = folder / f"{i}.csv"
            with out.open("wb") as dst:
                if i:
                    _copy(src, dst, 0, header_end)
                _copy(src, dst, start, end)
            files.append(out)
    return files


def _copy(src, dst, start: int, end: int) -> None:
    while start < end:
        try:
            done = os.copy_file_range(src.fileno(), dst.fileno(), end - start, start)
        except OSError:
            src.seek(start)
            done = dst.write(src.read(min(SCAN_CHUNK, end - start)))
            dst.flush()
        if not done:
            raise OSError(f"{src.name}: could not copy bytes {start} to {end}")
        start += done


def _format_regex(fmt: str) -> str | None:
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            token = fmt[i : i + 2]
            if token not in _DIRECTIVES:
                return None
            out.append(_DIRECTIVES[token])
            i += 2
        elif fmt[i].isalnum() or fmt[i] in "-:/.,T":
            out.append(re.escape(fmt[i]))
            i += 1
        else:  # strptime reads a space in the format as any run of white space: leave it to Python
            return None
    return "".join(out)


def _literal(f: dict, value):
    """A constraint's value as frictionless's value reader gives it, for the plain cases (a string
    for a text field, an int for a number); None: leave the column to frictionless's reader."""
    if f["type"] == "string":
        return value if isinstance(value, str) else None
    if f["type"] in ("integer", "year", "number"):
        return value if type(value) is int else None
    return None


def _canonical(f: dict) -> tuple[str, str] | None:
    """(SQL: this non-missing cell is certainly of the type, SQL: its value) or None (ask frictionless).
    `f` is the field's frictionless descriptor (Table.frictionless_schema), what frictionless reads."""
    fmt = f.get("format") or "default"
    kind = f["type"]
    if kind == "string":
        return ("TRUE", C) if fmt == "default" else None
    if kind in ("integer", "number") and (f.get("bareNumber", True) is not True or "groupChar" in f or "decimalChar" in f):
        return None
    if kind == "integer":
        return f"regexp_full_match({C}, {lit(CANONICAL_INTEGER)})", f"TRY_CAST({C} AS BIGINT)"
    if kind == "year":
        return f"regexp_full_match({C}, '[0-9]{{4}}')", f"TRY_CAST({C} AS BIGINT)"
    if kind == "number":
        return f"regexp_full_match({C}, {lit(CANONICAL_EXACT_NUMBER)})", f"TRY_CAST({C} AS {EXACT_TYPES['number']})"
    if kind in _SQL_TYPE:
        strp = _DEFAULT_FORMATS[kind] if fmt == "default" else fmt
        if fmt == "any":
            return None
        pattern = _format_regex(strp)
        if pattern is None:
            return None
        parsed = f"try_strptime({C}, {lit(strp)})"
        return f"regexp_full_match({C}, {lit(pattern)}) AND {parsed} IS NOT NULL", f"CAST({parsed} AS {_SQL_TYPE[kind]})"
    return None


def _re2_ok(con, pattern: str) -> bool:
    try:
        con.execute(f"SELECT regexp_matches('', {lit(pattern)})").fetchall()
        return True
    except duckdb.Error:
        return False


def _constraints_sql(con, f: dict, value: str) -> str | None:
    """SQL true when a canonical cell certainly meets every constraint; None: ask frictionless."""
    parts = []
    for name, constraint in f.get("constraints", {}).items():
        if name in ("required", "unique"):
            continue
        if name == "enum":
            values = [_literal(f, v) for v in constraint]
            if any(v is None for v in values) or f["type"] not in ("string", "integer", "year", "number"):
                return None
            parts.append(f"{value} IN ({', '.join(lit(v) for v in values)})" if values else "FALSE")
        elif name == "pattern" and f["type"] == "string":
            # re.match(f"^{p}$") anchors at the start only; the outer ^(?: ) does the same for RE2.
            re2 = f"^(?:^{constraint}$)"
            if not _re2_ok(con, re2):
                return None
            trusted = f"NOT {_CONTROL}"
            if _PRINTABLE_ONLY(constraint) and not any(token in constraint for token in (".", "\\", "[^")):
                trusted = "TRUE"
            elif _UNICODE_CLASSES.search(constraint):
                trusted = f"regexp_full_match({C}, '[\\x20-\\x7e]*')"
            parts.append(f"({trusted} AND regexp_matches({C}, {lit(re2)}))")
        elif name in ("minLength", "maxLength") and f["type"] == "string":
            parts.append(f"length({C}) {'>=' if name == 'minLength' else '<='} {int(constraint)}")
        elif name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and f["type"] in ("integer", "year", "number"):
            bound = _literal(f, constraint)
            if bound is None:
                return None
            op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[name]
            parts.append(f"{value} {op} {bound}")
        else:
            return None
    return " AND ".join(parts) or "TRUE"


def _fine_sql(con, f: dict) -> tuple[str, str | None, str | None]:
    """(SQL: the cell is certainly fine, SQL: canonical type test, SQL: value) for one field."""
    missing_ok = "FALSE" if f.get("constraints", {}).get("required") else "TRUE"
    canonical = _canonical(f)
    if canonical is None:
        return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE FALSE END", None, None
    typed, value = canonical
    checks = _constraints_sql(con, f, value)
    if checks is None:
        return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE FALSE END", typed, value
    if typed == "TRUE" and checks == "TRUE":  # any text: only a missing value can be wrong
        return ("TRUE" if missing_ok == "TRUE" else f"NOT {_MISSING}"), typed, value
    return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE coalesce(({typed}) AND ({checks}), FALSE) END", typed, value


def _sub(expr: str, column: str) -> str:
    return expr.replace(C, q(column))


# The scan table's own columns beside the key fields (a field's name never starts with '#').
# Bits of "#why": why a row is kept for a second look (beside the cells of its "#bad" masks).
BLANK, TOO_LONG, RULES = 1, 2, 4
MASK_BITS = 62  # fields per "#bad" mask (a BIGINT)
RID = "#rid"  # a row's number across the byte ranges of a file scanned side by side


def _mask(i: int) -> str:
    return q(f"#bad{i // MASK_BITS}")


def _cell(i: int) -> str:
    return q(f"#cell{i}")


@dataclass(frozen=True)
class _Scan:
    rows: int
    key_fields: set[str]
    masks: list[str]  # the "#bad" columns
    kept: str  # SQL: the row is kept for a second look
    rid: str  # SQL: the row's number (from 0) in the keys table


class Checker:
    """One DuckDB database (on disk, so memory stays bounded) for all the tables of a run. Each table
    is read once, in one scan that judges every cell and keeps, as the table `keys_<name>`, the
    typed key values (unique, primary and foreign keys run on them) and the cells of the few rows
    that need a second look; frictionless is imported only if one of those cells is doubtful."""

    def __init__(self, work_dir: Path | None = None, threads: int | None = None, in_memory: bool = False):
        self._tmp = tempfile.TemporaryDirectory(prefix="fastcheck-", dir=work_dir)
        self._folder = Path(self._tmp.name)
        # In memory the scan table is written twice as fast; on disk, memory stays flat at any size.
        self.con = connect(":memory:" if in_memory else str(Path(self._tmp.name) / "check.duckdb"), Path(self._tmp.name))
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.keys: dict[str, list[str]] = {}  # checked table -> fields held in its keys table
        self._scanned: dict[str, _Scan] = {}  # scanned table -> what its finish needs
        self._schemas: dict[str, Schema] = {}

    def schema(self, table: Table) -> Schema:
        """frictionless's Schema of a table, made once a run (making one validates its descriptor)."""
        from frictionless import Schema

        if table.name not in self._schemas:
            self._schemas[table.name] = Schema.from_descriptor(table.frictionless_schema())
        return self._schemas[table.name]

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def check(
        self, table: Table, path: Path, file: str, small: dict, max_cell_chars: int, key_fields_wanted: set[str] = frozenset()
    ) -> Result:
        """Validate one CSV on disk whose header is already known to be the schema's.

        `small`: the tables validated by frictionless in memory, name -> (Table, header, rows), for
        foreign keys. `key_fields_wanted`: fields other tables refer to."""
        self.scan(table, path, key_fields_wanted, max_cell_chars)
        return self.finish(table, file, small, max_cell_chars)

    def check_rows(
        self, table: Table, rows: list[list[str]], file: str, small: dict, max_cell_chars: int, key_fields_wanted: set[str] = frozenset()
    ) -> Result:
        """Validate a table read into memory (every row as long as the header, which is the schema's)."""
        self.scan_rows(table, rows, key_fields_wanted, max_cell_chars)
        return self.finish(table, file, small, max_cell_chars)

    def scan(self, table: Table, path: Path, key_fields_wanted: set[str], max_cell_chars: int) -> int:
        """The one scan of a CSV on disk (see _scan); safe to run in another thread beside the
        scans of other tables and the finish of a scanned one (its own connection). A big file is
        scanned in byte ranges side by side (see scan_in_ranges). Its rows."""
        ranges = scan_ranges()
        starts = range_starts(path, ranges) if ranges > 1 and path.stat().st_size >= split_min_bytes() else []
        if starts:
            return self.scan_in_ranges(table, path, starts, key_fields_wanted, max_cell_chars)
        with self.con.cursor() as con:
            return self._scan(con, table, text_source(path, table, one_thread=True), key_fields_wanted, max_cell_chars)

    # the national CSVs read in parallel, each row numbered in file order
    def scan_in_ranges(self, table: Table, path: Path, starts: list[int], key_fields_wanted: set[str], max_cell_chars: int) -> int:
        """The one scan of a CSV cut at record ends (`starts`, from range_starts) into ranges, each a
        file of its own with the header in front, scanned by one DuckDB thread beside the others:
        a range's rows are in its file's order, and its first row's number is the rows of the
        ranges before it, so every row keeps its number in the file ("#rid") whatever order the
        ranges finish in. The same verdicts as one scan of the whole file: a range starts where a
        record does, so DuckDB reads the same records, and fails on the same defect."""
        from concurrent.futures import ThreadPoolExecutor

        name = table.name
        folder = Path(tempfile.mkdtemp(prefix=f"ranges-{name}-", dir=self._tmp.name))
        files = write_ranges(path, starts, folder)
        parts = [f"keys_{name}#{i}" for i in range(len(files))]

        def one(i: int) -> int:
            with self.con.cursor() as con:
                return self._scan(
                    con, table, text_source(files[i], table, one_thread=True), key_fields_wanted, max_cell_chars, into=parts[i]
                )

        try:
            with ThreadPoolExecutor(len(files)) as pool:
                futures = [pool.submit(one, i) for i in range(len(files))]
                counts = [f.result() for f in futures]
        finally:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        offsets = [sum(counts[:i]) for i in range(len(counts))]
        union = " UNION ALL ".join(f"SELECT rowid + {o} AS {q(RID)}, * FROM {q(p)}" for o, p in zip(offsets, parts))
        keys = q("keys_" + name)
        with self.con.cursor() as con:  # this thread's own: the main connection may be busy in another
            con.execute(f"DROP TABLE IF EXISTS {keys}")
            con.execute(f"CREATE TABLE {keys} AS {union}")
            for p in parts:
                con.execute(f"DROP TABLE {q(p)}")
        self._scanned[name] = dataclasses.replace(self._scanned.pop(parts[0]), rows=sum(counts), rid=q(RID))
        for p in parts[1:]:
            self._scanned.pop(p)
        return sum(counts)

    def scan_rows(self, table: Table, rows: list[list[str]], key_fields_wanted: set[str], max_cell_chars: int) -> int:
        """The one scan of a table read into memory: its rows written as a CSV to the checker's
        folder and scanned as a CSV on disk is (see _load_pairs for why DuckDB is not handed the
        Python values). The strict reader kept no cell longer than the scan's line limits allow."""
        path = self._folder / f"rows-{table.name}.csv"
        _write_csv(path, table.field_names, rows)
        try:
            return self.scan(table, path, key_fields_wanted, max_cell_chars)
        finally:
            path.unlink()

    def _scan(
        self,
        con,
        table: Table,
        source: str,
        key_fields_wanted: set[str],
        max_cell_chars: int,
        into: str | None = None,
    ) -> int:
        """The one scan of a table: per row, a bit a column for the cells not certainly fine, why the
        row needs a second look (blank, a cell too long, a candidate for a project rule), the typed
        key values, and the cells of the rows kept for that look; stored as `keys_<name>`, whose
        rowid is the row's number. Raises
        Fallback when DuckDB cannot read the file strictly. `into`: the table to store it as (and
        the name its scan is known by), instead of `keys_<name>`."""
        name = table.name
        descriptor = table.frictionless_schema()
        fields = descriptor["fields"]
        names = [f["name"] for f in fields]
        pk = descriptor.get("primaryKey", [])
        fks = descriptor.get("foreignKeys", [])
        key_fields = set(key_fields_wanted) | set(pk)
        key_fields |= {f["name"] for f in fields if f.get("constraints", {}).get("unique")}
        key_fields |= {n for fk in fks for n in fk["fields"]}
        key_fields |= {n for fk in fks if fk["reference"]["resource"] in ("", name) for n in fk["reference"]["fields"]}
        key_list = [f for f in fields if f["name"] in key_fields]
        typed_sql, masks = {}, {}
        for i, f in enumerate(fields):
            fine, typed, value = _fine_sql(con, f)
            typed_sql[f["name"]] = (typed, value)
            parts = masks.setdefault(_mask(i), [])
            if fine != "TRUE":  # a column whose every cell is fine adds nothing to its mask
                parts.append(f"CASE WHEN {_sub(fine, f['name'])} THEN 0 ELSE {1 << (i % MASK_BITS)} END")
        why = [
            f"CASE WHEN {' AND '.join(_sub(_MISSING, n) for n in names)} THEN {BLANK} ELSE 0 END",
            # more bytes than the limit: a candidate (a character is at least a byte), counted in Python
            # as the strict reader counts (code points)
            f"CASE WHEN {' OR '.join(f'strlen({q(n)}) > {max_cell_chars}' for n in names)} THEN {TOO_LONG} ELSE 0 END",
        ]
        candidates = self._rule_candidates(table)
        if candidates:
            why.append(f"CASE WHEN {candidates} THEN {RULES} ELSE 0 END")
        judged = ", ".join([*(f"({' + '.join(parts) or '0'}) AS {m}" for m, parts in masks.items()), f'({" + ".join(why)}) AS "#why"'])
        kept = " OR ".join([*(f"{m} <> 0" for m in masks), '"#why" <> 0'])
        select = []
        for f in key_list:
            typed, value = typed_sql[f["name"]]
            if typed is None:
                expr = "NULL"
            elif typed == "TRUE":
                expr = f"nullif({value}, '')"
            else:
                expr = f"CASE WHEN {_MISSING} THEN NULL WHEN {typed} THEN {value} END"
            select.append(f"CAST({_sub(expr, f['name'])} AS {EXACT_TYPES.get(f['type'], 'VARCHAR')}) AS {q(f['name'])}")
        select += [
            *masks,
            '"#why"',
            *(f"CASE WHEN {kept} THEN {q(n)} END AS {_cell(i)}" for i, n in enumerate(names)),
        ]
        keys = q(into or "keys_" + name)
        try:
            con.execute(f"DROP TABLE IF EXISTS {keys}")
            rows = con.execute(f"CREATE TABLE {keys} AS SELECT {', '.join(select)} FROM (SELECT *, {judged} FROM {source})").fetchone()[0]
        except duckdb.OutOfMemoryException:
            raise  # not a defect of the file: the slow way would need far more memory
        except duckdb.Error as exc:
            raise Fallback(str(exc)) from exc
        except UnicodeDecodeError as exc:
            # DuckDB 1.5.5 quotes the offending line in its error, cut mid-character: the message
            # itself cannot be decoded. The strict reader names the defect.
            raise Fallback(f"DuckDB could not read the file strictly ({exc.reason})") from exc
        self._scanned[into or name] = _Scan(rows, key_fields, list(masks), kept, "rowid")
        return rows

    def finish(self, table: Table, file: str, small: dict, max_cell_chars: int) -> Result:
        """The verdicts of a scanned table: its kept rows read again (frictionless's cell reader for
        each doubtful cell, the project's rules), then its unique, primary and foreign keys."""
        con, name = self.con, table.name
        scan = self._scanned.pop(name)
        fields = table.frictionless_schema()["fields"]
        names = [f["name"] for f in fields]
        key_fields, masks, kept, rid_sql = scan.key_fields, scan.masks, scan.kept, scan.rid
        keys = q("keys_" + name)
        self.keys[name] = [f["name"] for f in fields if f["name"] in key_fields]
        result = Result(rows=scan.rows)
        cells = ", ".join(_cell(i) for i in range(len(fields)))
        second_look = con.execute(f'SELECT {rid_sql}, {", ".join(masks)}, "#why", {cells} FROM {keys} WHERE {kept}').fetchall()
        if not second_look:  # every cell certainly fine: only the keys are left to check
            return self._keyed(table, result, keys, rid_sql, small, [])
        width = len(masks)

        too_long = [
            problem("cell-too-long", file, rid + 2, n, length=len(cell), limit=max_cell_chars)
            for rid, *row in second_look
            if row[width] & TOO_LONG
            for n, cell in zip(names, row[width + 1 :])
            if cell is not None and len(cell) > max_cell_chars
        ]
        if too_long:  # as the strict reader does: the table is not read further
            del self.keys[name]
            result.problems = sorted(too_long, key=lambda p: (p.row, p.field))
            result.readable = False
            return result

        blank = {row[0] for row in second_look if row[1 + width] & BLANK}
        found, overrides = [], {}
        for number, f in enumerate(fields, start=1):
            i = number - 1
            odd = [(row[0], row[2 + width + i]) for row in second_look if row[1 + i // MASK_BITS] >> (i % MASK_BITS) & 1]
            if not odd:
                continue
            from frictionless import errors  # only for a doubtful cell: a clean table never imports it

            reader = self.schema(table).get_field(f["name"]).create_cell_reader()
            for rid, cell in odd:
                source_cell = "" if cell is None else cell
                target, notes = reader(source_cell)
                if f["name"] in key_fields and target is not None and source_cell != "":
                    overrides.setdefault(f["name"], []).append((rid, target))
                if rid in blank or not notes:
                    continue
                common = dict(cells=[], row_number=rid + 2, cell=str(source_cell), field_name=f["name"], field_number=number)
                type_note = notes.pop("type", None)
                if type_note:
                    found.append((rid, 0, number, errors.TypeError(note=type_note, **common)))
                for note in notes.values():
                    found.append((rid, 0, number, errors.ConstraintError(note=note, **common)))
        if blank:
            from frictionless import errors

            found += [(rid, 0, 0, errors.BlankRowError(note="", cells=[], row_number=rid + 2)) for rid in sorted(blank)]
        for fname, pairs in overrides.items():
            f = next(f for f in fields if f["name"] == fname)
            _load_pairs(con, self._folder, "ov", [(rid, _as_text(v)) for rid, v in pairs], ["rid", "v"])
            con.execute(
                f"UPDATE {keys} SET {q(fname)} = TRY_CAST(ov.v AS {EXACT_TYPES.get(f['type'], 'VARCHAR')}) "
                f"FROM ov WHERE {keys}.{rid_sql} = ov.rid"
            )
        # Every row kept, a candidate or not, goes through the project's rules: they are exact.
        result.problems = self._project_rules(table, file, [(rid, row[width + 1 :]) for rid, *row in second_look])
        return self._keyed(table, result, keys, rid_sql, small, found)

    def _keyed(self, table: Table, result: Result, keys: str, rid_sql: str, small: dict, found: list) -> Result:
        """The unique, primary and foreign keys of a scanned table, after its cells' verdicts."""
        descriptor = table.frictionless_schema()
        relation = f"(SELECT {rid_sql} AS rid, * FROM {keys})"
        repeats: dict = {}
        found = found + self._unique(descriptor["fields"], relation, repeats)
        found += self._primary_key(descriptor.get("primaryKey", []), relation, repeats)
        found += self._foreign_keys(table, descriptor.get("foreignKeys", []), relation, small)
        found.sort(key=lambda e: (e[0], e[1], e[2]))
        result.errors = [e for *_, e in found]
        return result

    def _repeats(self, relation: str, cols: list[str], cache: dict) -> list[tuple]:
        """(rid, prev, *values) of each row whose key values (not all missing) an earlier row has,
        prev the row before it with them: grouped first, so only repeated values are ordered.
        Cached for the table: a one-field primary key that is also unique is grouped once."""
        if tuple(cols) not in cache:
            names = ", ".join(map(q, cols))
            not_all_null = " OR ".join(f"{q(c)} IS NOT NULL" for c in cols)
            on = " AND ".join(f"k.{q(c)} IS NOT DISTINCT FROM d.{q(c)}" for c in cols)
            values = ", ".join(f"k.{q(c)}" for c in cols)
            cache[tuple(cols)] = self.con.execute(
                f"SELECT rid, prev, * EXCLUDE (rid, prev) FROM (SELECT k.rid, lag(k.rid) OVER (PARTITION BY {values} ORDER BY k.rid) AS prev, "
                f"{values} FROM {relation} k SEMI JOIN (SELECT {names} FROM {relation} WHERE {not_all_null} GROUP BY {names} "
                f"HAVING count(*) > 1) d ON {on}) WHERE prev IS NOT NULL"
            ).fetchall()
        return cache[tuple(cols)]

    def _unique(self, fields: list[dict], relation: str, cache: dict):
        out = []
        for number, f in enumerate(fields, start=1):
            if not f.get("constraints", {}).get("unique"):
                continue
            rows = self._repeats(relation, [f["name"]], cache)
            if not rows:
                continue
            from frictionless import errors

            for rid, prev, value in rows:
                out.append(
                    (
                        rid,
                        2,
                        number,
                        errors.UniqueError(
                            note=f"the same as in the row at position {prev + 2}",
                            cells=[],
                            row_number=rid + 2,
                            cell=_as_text(value),
                            field_name=f["name"],
                            field_number=number,
                        ),
                    )
                )
        return out

    def _primary_key(self, pk: list[str], relation: str, cache: dict):
        if not pk:
            return []
        all_null = " AND ".join(f"{q(c)} IS NULL" for c in pk)
        empty = [rid for (rid,) in self.con.execute(f"SELECT rid FROM {relation} WHERE {all_null}").fetchall()]
        repeated = self._repeats(relation, pk, cache)
        if not empty and not repeated:
            return []
        from frictionless import errors

        out = [
            (rid, 3, 0, errors.PrimaryKeyError(note='cells composing the primary keys are all "None"', cells=[], row_number=rid + 2))
            for rid in empty
        ]
        out += [
            (rid, 3, 0, errors.PrimaryKeyError(note=f"the same as in the row at position {prev + 2}", cells=[], row_number=rid + 2))
            for rid, prev, *_ in repeated
        ]
        return out

    def _foreign_keys(self, table: Table, fks: list[dict], relation: str, small: dict):
        out = []
        for index, fk in enumerate(fks):
            ref_name = fk["reference"]["resource"]
            target = ref_name or table.name
            src, ref = fk["fields"], fk["reference"]["fields"]
            if target == table.name:
                lookup = f"(SELECT {', '.join(f'{q(r)} AS k{i}' for i, r in enumerate(ref))} FROM {relation})"
            elif target in self.keys:
                lookup = f"(SELECT {', '.join(f'{q(r)} AS k{i}' for i, r in enumerate(ref))} FROM {q('keys_' + target)})"
            elif target in small:
                lookup = self._small_lookup(target, ref, small[target])
            else:
                continue  # the referenced table is unreadable; that problem is reported on its own
            not_all_null = " OR ".join(f"src.{q(s)} IS NOT NULL" for s in src)
            all_null_ref = " AND ".join(f"k{i} IS NULL" for i in range(len(ref)))
            on = " AND ".join(f"src.{q(s)} IS NOT DISTINCT FROM lk.k{i}" for i, s in enumerate(src))
            # An anti join needs no DISTINCT: a value found once is found.
            rows = self.con.execute(
                f"SELECT src.rid, {', '.join(f'src.{q(s)}' for s in src)} FROM {relation} src "
                f"ANTI JOIN (SELECT * FROM {lookup} WHERE NOT ({all_null_ref})) lk ON {on} WHERE {not_all_null}"
            ).fetchall()
            if not rows:
                continue
            from frictionless import errors

            for rid, *cells in rows:
                values = [_as_text(v) if v is not None else None for v in cells]
                note = 'for "%s": values "%s" not found in the lookup table "%s" as "%s"' % (
                    ", ".join(src),
                    ", ".join(str(v) for v in values),
                    ref_name,
                    ", ".join(ref),
                )
                out.append(
                    (
                        rid,
                        4,
                        index,
                        errors.ForeignKeyError(
                            note=note,
                            cells=[],
                            row_number=rid + 2,
                            field_names=list(src),
                            field_cells=values,
                            reference_name=ref_name,
                            reference_field_names=list(ref),
                        ),
                    )
                )
        return out

    def _small_lookup(self, target: str, ref: list[str], data) -> str:
        """The referenced table's key values (read into memory and checked by frictionless), parsed
        as frictionless parses them."""
        ref_table, header, rows = data
        schema = self.schema(ref_table)
        readers = [schema.get_field(r).create_cell_reader() for r in ref]
        positions = [header.index(r) for r in ref]
        values = []
        for row in rows:
            parsed = tuple(reader(row[p] if p < len(row) else "")[0] for reader, p in zip(readers, positions))
            values.append(tuple(_as_text(v) if v is not None else None for v in parsed))
        name = q(f"lookup_{target}_{'_'.join(ref)}")
        types = [EXACT_TYPES.get(schema.get_field(r).type, "VARCHAR") for r in ref]
        _load_pairs(self.con, self._folder, name, values, [f"k{i}" for i in range(len(ref))])
        return f"(SELECT {', '.join(f'CAST(k{i} AS {t}) AS k{i}' for i, t in enumerate(types))} FROM {name})"

    @staticmethod
    def _rule_candidates(table: Table) -> str | None:
        """SQL: the row may break one of the project's row rules (a text cell starting like a
        formula, start <= end, a value with its source). Candidates only: each kept row is judged
        by the same Python functions the in-memory path runs (pipeline.check.conventions). A cell
        of codes is not a candidate when no code starts like a formula: a cell not one of them is
        kept anyway, as not certainly fine."""
        firsts = ", ".join(str(ord(c)) for c in FORMULA_FIRST)
        conds = [
            f"ascii({q(f.name)}) IN ({firsts})"
            for f in table.fields
            if f.type == "string" and not (f.codes and not any(str(code).startswith(FORMULA_FIRST) for code in f.codes))
        ]
        for start, end in conventions.ranges(table):
            a, b = q(start), q(end)
            if table.field(start).type == "time":
                a, b = (
                    f"lpad({a}, CAST(greatest(length({a}), 5) AS INTEGER), '0')",
                    f"lpad({b}, CAST(greatest(length({b}), 5) AS INTEGER), '0')",
                )
            conds.append(
                f"(coalesce({q(start)}, '') <> '' AND coalesce({q(end)}, '') <> '' AND "
                f"({b} < {a} OR left({q(start)}, 1) IN ('+', '-') OR left({q(end)}, 1) IN ('+', '-')))"
            )
        for group in conventions.sourced(table):
            empty = [f"(coalesce({q(f)}, '') = '')" for f in group]
            conds.append(f"(({' OR '.join(empty)}) AND NOT ({' AND '.join(empty)}))")
        return " OR ".join(conds) or None

    @staticmethod
    def _project_rules(table: Table, file: str, rows: list) -> list[Problem]:
        """The project's own row rules (formula cells, start <= end, value with its source) on the
        rows kept by the scan, by the same Python functions the in-memory path runs."""
        names = table.field_names
        cells = [_cells(r) for _, r in rows]
        out = _renumbered(conventions.formula_cells(table, file, cells), rows)
        out += _renumbered(conventions.pair_rules(table, file, cells), rows)
        return sorted(out, key=lambda p: (p.row, names.index(p.field) if p.field in names else -1))


def _load_pairs(con, folder: Path, name: str, rows: list[tuple], columns: list[str], types: list[str] | None = None) -> None:
    """A temporary table from Python tuples, written as a CSV to `folder` and read back by DuckDB's
    CSV reader: handed as Python values, DuckDB 1.5.5 tries `import pandas` (absent from the
    runtime, and a failed import is searched for again each time) for every value it converts,
    which made a table read into memory 60 times slower to check than the same file from disk.
    An empty cell and None both come back NULL, as an empty cell of a CSV read from disk does."""
    types = types or ["BIGINT" if c == "rid" else "VARCHAR" for c in columns]
    path = folder / f"load-{next(_LOADS)}.csv"
    _write_csv(path, columns, rows)
    # Room for the longest record as written: its longest cell in every column, each character up
    # to 4 bytes and doubled if a quote (measured by C-level maps: a loop in Python cost seconds).
    cell = max(map(len, map(str, itertools.chain.from_iterable(rows))), default=0)
    longest = len(columns) * (8 * cell + 3) + 2
    spec = "{" + ", ".join(f"{lit(c)}: {lit(t)}" for c, t in zip(columns, types)) + "}"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_csv({lit(str(path))}, header = true, "
            f"auto_detect = false, columns = {spec}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            f"null_padding = false, max_line_size = {longest}, buffer_size = {max(8 << 20, 2 * longest)}, "
            f"encoding = 'utf-8', parallel = false)"
        )
    finally:
        path.unlink()


def _write_csv(path: Path, header: list[str], rows) -> None:
    """Rows as a CSV DuckDB's strict reader reads back cell for cell (Python's writer quotes a cell
    with a comma, a quote or a line break; an empty cell is read back NULL, as from any CSV)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


_LOADS = itertools.count()


def _cells(values) -> list[str]:
    return ["" if v is None else v for v in values]


def _renumbered(problems: list[Problem], rows) -> list[Problem]:
    """The slow path numbers rows 2, 3, ... in the list it is given; put back the file's row numbers."""
    return [dataclasses.replace(p, row=rows[p.row - 2][0] + 2) for p in problems]


def _as_text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    return str(value)
