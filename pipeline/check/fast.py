"""Fast validation of large tables in DuckDB, with frictionless's own verdicts.

The Table Schema stays the single source of truth and frictionless the reference. DuckDB reads
the CSV as text and, for every cell, decides only one thing: is this cell *certainly* fine (a
canonical spelling of its type, e.g. `-?[0-9]+` for an integer, that meets every constraint)? That
test is written to be strict, never lenient, so it cannot pass a cell frictionless would refuse.
Every other cell -- the errors, and odd but valid spellings such as `+5`, ` 5` or `1_000` -- is
handed to frictionless's own cell reader for the verdict, so type and constraint errors are
frictionless's by construction. Uniqueness, primary and foreign keys run in SQL on the values
parsed the same way (odd spellings with the values frictionless gives them). Errors are counted,
never capped. DuckDB's own casts are not trusted: TRY_CAST('12.5' AS BIGINT) gives 13 and
strptime accepts trailing spaces, so every cast is guarded by an exact regular expression.

A file DuckDB cannot read strictly (ragged rows, bad quoting, not UTF-8, NUL bytes) raises
`Fallback`: validation then reads it the slow way, which names the exact defect.
"""
from __future__ import annotations

import csv
import dataclasses
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
# frictionless is imported where a table is checked, not with this module: the build's worker
# processes use only its DuckDB helpers, and it takes a third of a second to import.

DUCKDB_MEMORY_LIMIT = "500MB"
# Tables whose CSV is at least this big take the fast path (about 1,500 rows): below it, the
# fixed cost of a DuckDB pass is more than frictionless takes; above it, frictionless's per-cell
# Python costs more (measured in make bench: a national project validates twice as fast with
# its 100 kB-5 MB tables here).
MIN_BYTES = 100_000
# Up to this much CSV in a run, DuckDB keeps the text in memory (about 2M rows of 14 columns).
IN_MEMORY_MAX_BYTES = 250_000_000
# Stands for the column in the SQL templates below (a NUL cannot occur in a schema's literals).
C = "\x00c\x00"
_MISSING = f"({C} IS NULL OR {C} = '')"
# strptime directives with the exact two- or four-digit spelling DuckDB and Python both read alike.
_DIRECTIVES = {"%Y": "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})", "%m": "(0[1-9]|1[0-2])",
               "%d": "(0[1-9]|[12][0-9]|3[01])", "%H": "([01][0-9]|2[0-3])", "%M": "[0-5][0-9]", "%S": "[0-5][0-9]"}
_DEFAULT_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%dT%H:%M:%S"}
_SQL_TYPE = {"date": "DATE", "time": "TIME", "datetime": "TIMESTAMP"}
# Python's re and RE2 read \d \w \s \b differently outside ASCII.
_UNICODE_CLASSES = re.compile(r"\\[dDwWsSbB]|\(\?[a-zA-Z]")
_CONTROL = f"regexp_matches({C}, '[\\x00-\\x1f\\x7f-\\x9f\\x{{2028}}\\x{{2029}}]')"


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
    errors: list = dc_field(default_factory=list)     # frictionless Error objects, in row order
    problems: list = dc_field(default_factory=list)   # Problems of the project's own rules
    readable: bool = True                             # False: cells too long, not read further


def text_source(path: Path, table: Table) -> str:
    """A raw CSV as DuckDB reads it for validation and for the build: every column as text, strictly
    (a ragged row or a stray quote is an error, not a guess), in file order."""
    columns = "{" + ", ".join(f"{lit(f.name)}: 'VARCHAR'" for f in table.fields) + "}"
    return (f"read_csv({lit(str(path))}, header = true, auto_detect = false, columns = {columns}, delim = ',', "
            f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, {line_limits(table)}, "
            f"encoding = 'utf-8')")


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


def read_header(path: Path) -> list[str]:
    """The first record, read the way load.read_csv reads it; Fallback on anything unusual."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Fallback("UTF-16")
    if head.lstrip(b"\xef\xbb\xbf")[:1] in (b"\n", b"\r"):
        raise Fallback("empty line")
    # Read in chunks, not mapped whole: a mapped file's pages count as the process's memory.
    with path.open("rb") as fh:
        carry = b""  # the end of the previous chunk, for a blank line across the boundary
        while chunk := fh.read(SCAN_CHUNK):
            if b"\x00" in chunk:
                raise Fallback("NUL byte")
            window = carry + chunk
            # Python's csv reads an empty line as an empty record (frictionless then counts it as a
            # row); DuckDB skips it and every later row number would shift. (A two-byte search is
            # ten times slower than a one-byte one: the CR forms only where a CR is.)
            blanks = (b"\n\n", b"\n\r\n", b"\r\r") if b"\r" in window else (b"\n\n",)
            if any(blank in window for blank in blanks):
                raise Fallback("empty line")
            carry = window[-2:]
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh, strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        raise Fallback(str(exc)) from exc


def _format_regex(fmt: str) -> str | None:
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            token = fmt[i:i + 2]
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


def _canonical(f) -> tuple[str, str] | None:
    """(SQL: this non-missing cell is certainly of the type, SQL: its value) or None (ask Python)."""
    fmt = f.format or "default"
    if f.type == "string":
        return ("TRUE", C) if fmt == "default" else None
    if f.type in ("integer", "number") and not f.bare_number:
        return None
    if f.type == "integer":
        return f"regexp_full_match({C}, {lit(CANONICAL_INTEGER)})", f"TRY_CAST({C} AS BIGINT)"
    if f.type == "year":
        return f"regexp_full_match({C}, '[0-9]{{4}}')", f"TRY_CAST({C} AS BIGINT)"
    if f.type == "number":
        if f.has_defined("group_char") or f.has_defined("decimal_char"):
            return None
        return f"regexp_full_match({C}, {lit(CANONICAL_EXACT_NUMBER)})", f"TRY_CAST({C} AS {EXACT_TYPES['number']})"
    if f.type in _SQL_TYPE:
        strp = _DEFAULT_FORMATS[f.type] if fmt == "default" else fmt
        if fmt == "any":
            return None
        pattern = _format_regex(strp)
        if pattern is None:
            return None
        parsed = f"try_strptime({C}, {lit(strp)})"
        return f"regexp_full_match({C}, {lit(pattern)}) AND {parsed} IS NOT NULL", f"CAST({parsed} AS {_SQL_TYPE[f.type]})"
    return None


def _re2_ok(con, pattern: str) -> bool:
    try:
        con.execute(f"SELECT regexp_matches('', {lit(pattern)})").fetchall()
        return True
    except duckdb.Error:
        return False


def _constraints_sql(con, f, value: str) -> str | None:
    """SQL true when a canonical cell certainly meets every constraint; None: ask Python."""
    reader = f.create_value_reader()
    parts = []
    for name, constraint in f.constraints.items():
        if name in ("required", "unique"):
            continue
        if name == "enum":
            values = [reader(v) for v in constraint]
            if any(v is None for v in values) or f.type not in ("string", "integer", "year", "number"):
                return None
            parts.append(f"{value} IN ({', '.join(lit(v) for v in values)})" if values else "FALSE")
        elif name == "pattern" and f.type == "string":
            # re.match(f"^{p}$") anchors at the start only; the outer ^(?: ) does the same for RE2.
            re2 = f"^(?:^{constraint}$)"
            if not _re2_ok(con, re2):
                return None
            trusted = f"NOT {_CONTROL}"
            if _UNICODE_CLASSES.search(constraint):
                trusted = f"regexp_full_match({C}, '[\\x20-\\x7e]*')"
            parts.append(f"({trusted} AND regexp_matches({C}, {lit(re2)}))")
        elif name in ("minLength", "maxLength") and f.type == "string":
            parts.append(f"length({C}) {'>=' if name == 'minLength' else '<='} {int(constraint)}")
        elif name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and f.type in ("integer", "year", "number"):
            bound = reader(constraint)
            if bound is None:
                return None
            op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[name]
            parts.append(f"{value} {op} {bound}")
        else:
            return None
    return " AND ".join(parts) or "TRUE"


def _fine_sql(con, f) -> tuple[str, str | None, str | None]:
    """(SQL: the cell is certainly fine, SQL: canonical type test, SQL: value) for one field."""
    missing_ok = "FALSE" if f.constraints.get("required") else "TRUE"
    canonical = _canonical(f)
    if canonical is None:
        return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE FALSE END", None, None
    typed, value = canonical
    checks = _constraints_sql(con, f, value)
    if checks is None:
        return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE FALSE END", typed, value
    return f"CASE WHEN {_MISSING} THEN {missing_ok} ELSE coalesce(({typed}) AND ({checks}), FALSE) END", typed, value


def _sub(expr: str, column: str) -> str:
    return expr.replace(C, q(column))


class Checker:
    """One DuckDB database (on disk, so memory stays bounded) for all the large tables of a run."""

    def __init__(self, work_dir: Path | None = None, threads: int | None = None, in_memory: bool = False):
        self._tmp = tempfile.TemporaryDirectory(prefix="fastcheck-", dir=work_dir)
        # In memory the text table is written twice as fast; on disk, memory stays flat at any size.
        self.con = connect(":memory:" if in_memory else str(Path(self._tmp.name) / "check.duckdb"), Path(self._tmp.name))
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.keys: dict[str, list[str]] = {}   # large table -> fields held in its keys table
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

    def check(self, table: Table, path: Path, file: str, small: dict, max_cell_chars: int,
              key_fields_wanted: set[str] = frozenset()) -> Result:
        """Validate one large CSV whose header is already known to be the schema's.

        `small`: the readable tables validated in memory, name -> (Table, header, rows), for foreign keys.
        `key_fields_wanted`: fields other large tables refer to.
        """
        from frictionless import errors

        con, name = self.con, table.name
        schema = self.schema(table)
        fields = schema.fields
        raw = q("raw_" + name)
        try:
            con.execute(f"DROP TABLE IF EXISTS {raw}")
            con.execute(f"CREATE TABLE {raw} AS SELECT * FROM {text_source(path, table)}")
        except duckdb.OutOfMemoryException:
            raise  # not a defect of the file: the slow way would need far more memory
        except duckdb.Error as exc:
            raise Fallback(str(exc)) from exc
        result = Result(rows=con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0])
        too_long = []
        # One scan for all the columns (a query per column costs more than the scan at 1M rows).
        lengths = ", ".join(f"length({q(f.name)})" for f in fields)
        longer = " OR ".join(f"length({q(f.name)}) > {max_cell_chars}" for f in fields)
        for rid, *cells in con.execute(f"SELECT rowid, {lengths} FROM {raw} WHERE {longer}").fetchall():
            too_long += [problem("cell-too-long", file, rid + 2, f.name, length=cell, limit=max_cell_chars)
                         for f, cell in zip(fields, cells) if cell is not None and cell > max_cell_chars]
        if too_long:  # as the strict reader does: the table is not read further
            result.problems = sorted(too_long, key=lambda p: (p.row, p.field))
            result.readable = False
            return result

        blank = {rid for (rid,) in con.execute(
            f"SELECT rowid FROM {raw} WHERE " + " AND ".join(_sub(_MISSING, f.name) for f in fields)).fetchall()}
        cell_errors, overrides = [], {}
        key_fields = set(key_fields_wanted) | set(schema.primary_key)
        key_fields |= {f.name for f in fields if f.constraints.get("unique")}
        key_fields |= {n for fk in schema.foreign_keys for n in fk["fields"]}
        key_fields |= {n for fk in schema.foreign_keys if fk["reference"]["resource"] in ("", name)
                       for n in fk["reference"]["fields"]}
        typed_sql, not_fine = {}, []
        for f in fields:
            fine, typed, value = _fine_sql(con, f)
            typed_sql[f.name] = (typed, value)
            not_fine.append(f"NOT ({_sub(fine, f.name)})")
        # The rows with any cell not certainly fine, in one scan: each such cell is then read by
        # frictionless, column by column as before.
        flags = ", ".join(f"{cond}, {q(f.name)}" for cond, f in zip(not_fine, fields))
        odd_rows = con.execute(f"SELECT rowid, {flags} FROM {raw} WHERE {' OR '.join(not_fine)}").fetchall()
        for number, f in enumerate(fields, start=1):
            reader = f.create_cell_reader()
            odd = [(row[0], row[2 * number]) for row in odd_rows if row[2 * number - 1]]
            for rid, cell in odd:
                source = "" if cell is None else cell
                target, notes = reader(source)
                if f.name in key_fields and target is not None and source != "":
                    overrides.setdefault(f.name, []).append((rid, target))
                if rid in blank or not notes:
                    continue
                common = dict(cells=[], row_number=rid + 2, cell=str(source), field_name=f.name, field_number=number)
                type_note = notes.pop("type", None)
                if type_note:
                    cell_errors.append((rid, 0, number, errors.TypeError(note=type_note, **common)))
                for note in notes.values():
                    cell_errors.append((rid, 0, number, errors.ConstraintError(note=note, **common)))
        found = cell_errors + [(rid, 0, 0, errors.BlankRowError(note="", cells=[], row_number=rid + 2)) for rid in blank]

        keys = q("keys_" + name)
        key_list = [f for f in fields if f.name in key_fields]
        select = ["rowid AS rid"]
        for f in key_list:
            typed, value = typed_sql[f.name]
            if typed is None:
                expr = "NULL"
            else:
                expr = f"CASE WHEN {_MISSING} THEN NULL WHEN {typed} THEN {value} END"
            select.append(f"CAST({_sub(expr, f.name)} AS {EXACT_TYPES.get(f.type, 'VARCHAR')}) AS {q(f.name)}")
        con.execute(f"DROP TABLE IF EXISTS {keys}")
        con.execute(f"CREATE TABLE {keys} AS SELECT {', '.join(select)} FROM {raw}")
        for fname, pairs in overrides.items():
            f = schema.get_field(fname)
            _load_pairs(con, "ov", [(rid, _as_text(v)) for rid, v in pairs], ["rid", "v"])
            con.execute(f"UPDATE {keys} SET {q(fname)} = TRY_CAST(ov.v AS {EXACT_TYPES.get(f.type, 'VARCHAR')}) "
                        f"FROM ov WHERE {keys}.rid = ov.rid")
        self.keys[name] = [f.name for f in key_list]
        found += self._unique(fields, keys)
        found += self._primary_key(schema, keys)
        found += self._foreign_keys(table, schema, keys, small)
        found.sort(key=lambda e: (e[0], e[1], e[2]))
        result.errors = [e for *_, e in found]
        result.problems = self._project_rules(table, raw, file)
        con.execute(f"DROP TABLE {raw}")
        return result

    def _unique(self, fields, keys):
        from frictionless import errors

        out = []
        for number, f in enumerate(fields, start=1):
            if not f.constraints.get("unique"):
                continue
            col = q(f.name)
            rows = self.con.execute(
                f"SELECT rid, {col}, prev FROM (SELECT rid, {col}, lag(rid) OVER (PARTITION BY {col} ORDER BY rid) AS prev "
                f"FROM {keys} WHERE {col} IN (SELECT {col} FROM {keys} WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1)) "
                f"WHERE prev IS NOT NULL").fetchall()
            for rid, value, prev in rows:
                out.append((rid, 2, number, errors.UniqueError(
                    note=f"the same as in the row at position {prev + 2}", cells=[], row_number=rid + 2,
                    cell=_as_text(value), field_name=f.name, field_number=number)))
        return out

    def _primary_key(self, schema, keys):
        from frictionless import errors

        if not schema.primary_key:
            return []
        cols = ", ".join(map(q, schema.primary_key))
        all_null = " AND ".join(f"{q(c)} IS NULL" for c in schema.primary_key)
        out = [(rid, 3, 0, errors.PrimaryKeyError(note='cells composing the primary keys are all "None"', cells=[], row_number=rid + 2))
               for (rid,) in self.con.execute(f"SELECT rid FROM {keys} WHERE {all_null}").fetchall()]
        rows = self.con.execute(
            f"SELECT rid, prev FROM (SELECT rid, lag(rid) OVER (PARTITION BY {cols} ORDER BY rid) AS prev FROM {keys} "
            f"WHERE NOT ({all_null}) AND ({cols}) IN (SELECT ({cols}) FROM {keys} WHERE NOT ({all_null}) GROUP BY {cols} HAVING count(*) > 1)) "
            f"WHERE prev IS NOT NULL").fetchall() if len(schema.primary_key) == 1 else self.con.execute(
            f"SELECT rid, prev FROM (SELECT rid, lag(rid) OVER (PARTITION BY {cols} ORDER BY rid) AS prev, "
            f"count(*) OVER (PARTITION BY {cols}) AS n FROM {keys} WHERE NOT ({all_null})) WHERE n > 1 AND prev IS NOT NULL").fetchall()
        out += [(rid, 3, 0, errors.PrimaryKeyError(note=f"the same as in the row at position {prev + 2}", cells=[], row_number=rid + 2))
                for rid, prev in rows]
        return out

    def _foreign_keys(self, table: Table, schema, keys, small):
        from frictionless import errors

        out = []
        for index, fk in enumerate(schema.foreign_keys):
            ref_name = fk["reference"]["resource"]
            target = ref_name or table.name
            src, ref = fk["fields"], fk["reference"]["fields"]
            if target == table.name:
                lookup = f"(SELECT {', '.join(f'{q(r)} AS k{i}' for i, r in enumerate(ref))} FROM {keys})"
            elif target in self.keys:
                lookup = f"(SELECT {', '.join(f'{q(r)} AS k{i}' for i, r in enumerate(ref))} FROM {q('keys_' + target)})"
            elif target in small:
                lookup = self._small_lookup(target, ref, small[target])
            else:
                continue  # the referenced table is unreadable; that problem is reported on its own
            not_all_null = " OR ".join(f"{keys}.{q(s)} IS NOT NULL" for s in src)
            all_null_ref = " AND ".join(f"k{i} IS NULL" for i in range(len(ref)))
            on = " AND ".join(f"{keys}.{q(s)} IS NOT DISTINCT FROM lk.k{i}" for i, s in enumerate(src))
            rows = self.con.execute(
                f"SELECT {keys}.rid, {', '.join(f'{keys}.{q(s)}' for s in src)} FROM {keys} "
                f"ANTI JOIN (SELECT DISTINCT * FROM {lookup} WHERE NOT ({all_null_ref})) lk ON {on} WHERE {not_all_null}").fetchall()
            for rid, *cells in rows:
                values = [_as_text(v) if v is not None else None for v in cells]
                note = 'for "%s": values "%s" not found in the lookup table "%s" as "%s"' % (
                    ", ".join(src), ", ".join(str(v) for v in values), ref_name, ", ".join(ref))
                out.append((rid, 4, index, errors.ForeignKeyError(
                    note=note, cells=[], row_number=rid + 2, field_names=list(src), field_cells=values,
                    reference_name=ref_name, reference_field_names=list(ref))))
        return out

    def _small_lookup(self, target: str, ref: list[str], data) -> str:
        """The referenced (small) table's key values, parsed as frictionless parses them."""
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
        _load_pairs(self.con, name, values, [f"k{i}" for i in range(len(ref))])
        return f"(SELECT {', '.join(f'CAST(k{i} AS {t}) AS k{i}' for i, t in enumerate(types))} FROM {name})"

    def _project_rules(self, table: Table, raw: str, file: str) -> list[Problem]:
        """The project's own row rules (formula cells, start <= end, value with its source), in SQL,
        with every candidate row confirmed by the same Python functions the slow path runs."""
        out = []
        names = table.field_names
        text_fields = [f.name for f in table.fields if f.type == "string"]
        if text_fields:
            first = ", ".join(lit(c) for c in FORMULA_FIRST)
            cond = " OR ".join(f"left({q(n)}, 1) IN ({first})" for n in text_fields)
            rows = self.con.execute(f"SELECT rowid, * FROM {raw} WHERE {cond}").fetchall()
            out += _renumbered(conventions.formula_cells(table, file, [_cells(r[1:]) for r in rows]), rows)
        pairs, sourced = conventions.ranges(table), conventions.sourced(table)
        conds = []
        for start, end in pairs:
            a, b = q(start), q(end)
            if table.field(start).type == "time":
                a, b = f"lpad({a}, CAST(greatest(length({a}), 5) AS INTEGER), '0')", f"lpad({b}, CAST(greatest(length({b}), 5) AS INTEGER), '0')"
            conds.append(f"(coalesce({q(start)}, '') <> '' AND coalesce({q(end)}, '') <> '' AND "
                         f"({b} < {a} OR left({q(start)}, 1) IN ('+', '-') OR left({q(end)}, 1) IN ('+', '-')))")
        for group in sourced:
            empty = [f"(coalesce({q(f)}, '') = '')" for f in group]
            conds.append(f"(({' OR '.join(empty)}) AND NOT ({' AND '.join(empty)}))")
        if conds:
            rows = self.con.execute(f"SELECT rowid, * FROM {raw} WHERE {' OR '.join(conds)}").fetchall()
            out += _renumbered(conventions.pair_rules(table, file, [_cells(r[1:]) for r in rows]), rows)
        return sorted(out, key=lambda p: (p.row, names.index(p.field) if p.field in names else -1))


def _load_pairs(con, name: str, rows: list[tuple], columns: list[str]) -> None:
    """A temporary table from Python tuples, handed to DuckDB as one list a column (executemany
    costs ~1 ms a row in DuckDB; a list parameter is converted in one call)."""
    lists = [list(column) for column in zip(*rows)] if rows else [[] for _ in columns]
    unnested = ", ".join(f"unnest(${i}::{'BIGINT' if c == 'rid' else 'VARCHAR'}[]) AS {q(c)}" for i, c in enumerate(columns, start=1))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {unnested}", lists)


def _cells(values) -> list[str]:
    return ["" if v is None else v for v in values]


def _renumbered(problems: list[Problem], rows) -> list[Problem]:
    """The slow path numbers rows 2, 3, ... in the list it is given; put back the file's row numbers."""
    return [dataclasses.replace(p, row=rows[p.row - 2][0] + 2) for p in problems]


def _as_text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    return str(value)
