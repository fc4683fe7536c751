"""The portal under load on the largest table of a release, beside bare Datasette.

Starts (a) our portal exactly as `make serve` does (serve.datasette_args/datasette_env) and then
(b) bare `datasette -i <the same remacto.db> --inspect-file <made by datasette inspect>` with
Datasette's default settings, each on a free 127.0.0.1 port, one after the other, and runs wrk
against the same pages of the largest table: table page, filtered pages (one and two filters),
faceted pages (unfiltered and filtered), a search page, a filtered CSV and a filtered JSON.

Our portal keeps whole answers (plugin remacto_cache): loading one URL over and over measures mostly
cache hits. So each page (HTML, JSON and CSV) is also loaded "cold" on our portal: every request asks a
URL not in the cache (the same page with a parameter Datasette ignores, `_cold=N`, distinct for every
request; pages filtered by the facet field with the most values also cycle through its real values),
which is what a first visit costs. The hit ratio of each run is read from /-/response-cache.json before and after.

It also looks for silently dropped facets and counts: while wrk runs, a sampler fetches the page
about twice a second, and once more after the load; a response is "dropped" when it says facets
timed out (HTML "These facets timed out" or our own notice, JSON `facets_timed_out` not empty),
lacks a requested facet, or lacks the row count (HTML title without "N rows", JSON count null).

    python -m pipeline.tools.portalbench --root build/synth/1M [--seconds 15] [--connections 16] [--threads 2]
    python -m pipeline.tools.portalbench --root build/synth/1M --profile 20 [--pages search] [--stats 40]

The second form loads nothing: it computes each page in this process and prints its CPU a first visit
(and, with --stats, where it goes), to find what a cold page costs before measuring it under load.

No timing is asserted: it prints the figures (and exits 1 on errors or dropped facets/counts).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from pipeline.settings import DB_NAME, Paths
from pipeline.tools.loadtest import WRK_REPORT, free_port, wait_ready, wrk
from pipeline.model import Model, load_model
from pipeline.portal.serve import datasette_args, datasette_env

# wrk's load on each page: seconds, connections, threads (the figures of docs/national-scale.md use these).
SECONDS, CONNECTIONS, THREADS = 15, 8, 2  # 8 connections: the load the p99 target is set at
# "<table>: 1,234 rows" in Datasette's title; in ours the count in the page's language and CLDR plural
# form ("1.234 سطر", "11 سطرًا", "سطران", "1,234 rows").
TITLE_COUNT = re.compile(r"<title>[^<]*?: (?:[0-9][0-9.,\u202f]* [^<:]+|سطر واحد|سطران|لا أسطر)[^<:]*</title>")
HTML_TIMED_OUT = ("These facets timed out", 'class="facets-timed-out')


@dataclass
class Figures:
    requests: int = 0
    rps: float = 0.0  # good answers (2xx/3xx within the timeout) per second
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    samples: int = 0  # responses checked for dropped facets/counts (during and after the load)
    dropped: int = 0  # of those, responses with a timed-out or missing facet or count
    reasons: list = field(default_factory=list)
    load: float = 0.0  # 1-minute load average just before this page's load
    hit_ratio: float | None = None  # answers from the response cache ÷ all it saw (ours only)


@dataclass
class PageComparison:
    page: str
    path: str
    ours: Figures | None = None
    bare: Figures | None = None
    cold: Figures | None = None  # ours, every request a URL not in the response cache

    @property
    def ratio(self) -> float | None:
        if self.ours and self.bare and self.bare.rps:  # None when bare gave no good answer at all
            return self.ours.rps / self.bare.rps
        return None


def _largest(counts: dict, names) -> str:
    return max(names, key=lambda n: (counts.get(n, 0), n))


def first_values(db_path: Path, path: str, limit: int = 5000) -> tuple[str, list[str]]:
    """The field the page filters on first and up to `limit` of its distinct values (cold loads)."""
    url = urlsplit(path)
    pairs = [(k, v) for k, v in parse_qsl(url.query) if not k.startswith("_")]
    if not pairs:
        return "", []
    table, field_name = url.path.rsplit("/", 1)[-1], pairs[0][0]
    con = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        values = [
            str(r[0])
            for r in con.execute(
                f'SELECT DISTINCT "{field_name}" FROM "{table}" WHERE "{field_name}" IS NOT NULL ORDER BY 1 LIMIT ?', (limit,)
            )
        ]
    finally:
        con.close()
    return field_name, values


def cold_paths(path: str, field_name: str, values: list[str]) -> list[str]:
    """The page's URL with each of `values` for `field_name` when it has that filter (else itself),
    each ending so that `_cold=N` can be appended."""
    url = urlsplit(path)
    pairs = parse_qsl(url.query, keep_blank_values=True)
    if not values or field_name not in dict(pairs):
        return [path + ("&" if url.query else "?")]
    return [url.path + "?" + urlencode([(k, value if k == field_name else v) for k, v in pairs]) + "&" for value in values]


# Each request a URL the cache has not seen: the thread's number and a counter in `_cold`.
WRK_COLD = """
local threads_started = 0
setup = function(thread)
  thread:set("thread_no", threads_started)
  threads_started = threads_started + 1
end
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format(nil, path .. string.format("_cold=%%d-%%d", thread_no or 0, counter))
end
paths = {%s}
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def choose_pages(db_path: Path, model: Model, counts: dict) -> dict[str, str]:
    """The pages to load, chosen from the release: its largest table with facets, the facet column
    with the most values as the first filter (its most common value), the one with the fewest as the
    second; the largest table with a search index, searched for the first word of its first row."""
    table = _largest(counts, [t.name for t in model.tables.values() if t.facet_fields])
    facet_fields = model.tables[table].facet_fields
    con = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        distinct = {c: con.execute(f'SELECT COUNT(DISTINCT "{c}") FROM "{table}"').fetchone()[0] for c in facet_fields}
        first = max(facet_fields, key=lambda c: distinct[c])
        value1 = con.execute(
            f'SELECT "{first}" FROM "{table}" WHERE "{first}" IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1'
        ).fetchone()[0]
        others = [c for c in facet_fields if c != first]
        second = min(others, key=lambda c: distinct[c]) if others else None
        common2 = (
            second
            and con.execute(
                f'SELECT "{second}" FROM "{table}" WHERE "{second}" IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1'
            ).fetchone()[0]
        )
        value2 = (
            second
            and con.execute(
                f'SELECT "{second}" FROM "{table}" WHERE "{first}" = ? AND "{second}" IS NOT NULL GROUP BY 1 '
                f"ORDER BY COUNT(*) DESC, 1 LIMIT 1",
                (value1,),
            ).fetchone()[0]
        )
        searchable = [t for t in model.tables.values() if t.search_fields]
        search_table = _largest(counts, [t.name for t in searchable]) if searchable else None
        term = None
        if search_table:
            column = model.tables[search_table].search_fields[0]
            text = con.execute(f'SELECT "{column}" FROM "{search_table}" WHERE "{column}" IS NOT NULL ORDER BY rowid LIMIT 1').fetchone()[0]
            term = text.split()[0]
    finally:
        con.close()
    base = f"/{DB_NAME}/{table}"
    one = {first: value1}
    two = {first: value1, second: value2} if second else one
    faceted = [("_facet", c) for c in others[:2]]
    pages = {
        "table": base,
        f"filtered ({first})": base + "?" + urlencode(one),
        f"filtered ({first}, {second})": base + "?" + urlencode(two),
        # The heavy filter: half the table or more, its count and facets over all those rows.
        f"filtered ({second})": base + "?" + urlencode({second: common2}),
        "faceted": base + "?" + urlencode(faceted),
        f"faceted + filtered ({first})": base + "?" + urlencode(list(one.items()) + faceted),
    }
    if search_table:
        # The FTS table is named in the URL so bare Datasette (no metadata) searches it too.
        pages[f"search ({search_table})"] = f"/{DB_NAME}/{search_table}?" + urlencode(
            {"_search": term, "_fts_table": search_table + "_fts", "_fts_pk": "rowid"}, quote_via=quote
        )
    pages[f"CSV ({first})"] = base + ".csv?" + urlencode(one)
    pages[f"JSON ({first})"] = base + ".json?" + urlencode(one)
    return pages


def dropped_reasons(path: str, body: bytes, configured: dict[str, list[str]] | None = None) -> list[str]:
    """Why a response lost a facet or a count (empty when nothing was lost). `configured` maps a
    table to the facets the server shows without being asked (our portal: the `facet: true` fields)."""
    url = urlsplit(path)
    if url.path.endswith(".csv"):
        return []
    table = url.path.rsplit("/", 1)[-1].removesuffix(".json")
    expected = list(dict.fromkeys((configured or {}).get(table, []) + [v for k, v in parse_qsl(url.query) if k == "_facet"]))
    reasons = []
    if url.path.endswith(".json"):
        data = json.loads(body)
        facets = list((data.get("facet_results") or {}).values())
        # Datasette 0.65 drops a timed-out facet from the JSON without a word; ours marks it.
        timed_out = list(data.get("facets_timed_out") or []) + [f["name"] for f in facets if f.get("timed_out")]
        if timed_out:
            reasons.append("facets timed out: " + ", ".join(timed_out))
        shown = {f["name"] for f in facets if not f.get("timed_out")}
        reasons += [f"facet {c} missing" for c in expected if c not in shown and c not in timed_out]
        if data.get("filtered_table_rows_count") is None:
            reasons.append("count missing")
        return reasons
    text = body.decode("utf-8", "replace")
    if any(marker in text for marker in HTML_TIMED_OUT):
        reasons.append("facets timed out")
    reasons += [f"facet {c} missing" for c in expected if f'id="facet-{c}"' not in text]
    if not TITLE_COUNT.search(text):
        reasons.append("count missing")
    return reasons


class Sampler(threading.Thread):
    """Fetches one page about twice a second while wrk loads it, and checks each answer. With `cold`,
    each fetch is a URL not in the response cache, so the answer checked is one computed under load."""

    def __init__(self, base: str, path: str, configured: dict[str, list[str]], cold: bool = False):
        super().__init__(daemon=True)
        self.base, self.path, self.configured, self.cold = base, path, configured, cold
        self.stop = threading.Event()
        self.samples = 0
        self.reasons: list[str] = []

    def check(self) -> None:
        path = self.path + (("&" if "?" in self.path else "?") + f"_cold=sample-{self.samples}" if self.cold else "")
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as r:
                found = dropped_reasons(path, r.read(), self.configured)
        except (OSError, ValueError) as exc:  # an error is counted by wrk; here it is a lost answer
            found = [f"no answer: {exc}"]
        self.samples += 1
        if found:
            self.reasons.append("; ".join(found))

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.check()


def _cache_counts(base: str) -> dict | None:
    """Our portal's response cache counters, summed over its worker processes (None: a server
    without it). Each process answers for itself and the kernel spreads fresh connections over
    them: 20 reads find every one of a few processes."""
    seen: dict[int, dict] = {}
    for _ in range(20):
        try:
            with urllib.request.urlopen(base + "/-/response-cache.json", timeout=10) as r:
                counts = json.loads(r.read())
        except (OSError, ValueError):
            return None
        seen[counts.get("process", 0)] = counts
    return {"processes": set(seen), **{k: sum(c.get(k, 0) for c in seen.values()) for k in ("hit", "miss", "pass")}}


def _hit_ratio(before: dict | None, after: dict | None) -> float | None:
    if not before or not after or before["processes"] != after["processes"]:
        return None  # a process not read both times: no honest ratio
    seen = {k: after[k] - before[k] for k in ("hit", "miss", "pass")}
    return seen["hit"] / sum(seen.values()) if sum(seen.values()) else None


def load_page(
    base: str, path: str, script: str, seconds: int, connections: int, threads: int, configured: dict[str, list[str]], cold: bool = False
) -> Figures:
    """wrk on one page, with the sampler checking answers during and after the load."""
    sampler = Sampler(base, path, configured, cold)
    load = os.getloadavg()[0]
    sampler.check()  # warm: the first answer also checks the page works at all
    counts = _cache_counts(base)
    sampler.start()
    try:
        f = wrk(base + path, seconds, connections, threads, script)
    finally:
        sampler.stop.set()
        sampler.join()
    hit_ratio = _hit_ratio(counts, _cache_counts(base))
    sampler.check()  # once more after the load
    errors = f["socket_errors"] + f["bad_status"] + f["timeouts"]
    # Answers per second: wrk counts a timed-out request among its requests; it is not an answer.
    return Figures(
        f["requests"],
        max(0, f["requests"] - errors) / f["seconds"],
        f["p50_ms"],
        f["p99_ms"],
        errors,
        sampler.samples,
        len(sampler.reasons),
        sorted(set(sampler.reasons)),
        load,
        hit_ratio,
    )


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, seconds: float = 10) -> None:
    """Stop a server this bench started: `sig`, then SIGKILL if it has not ended in `seconds`."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stop(proc: subprocess.Popen, log) -> None:
    stop_process(proc)
    log.close()


def release_pages(paths: Paths, need_wrk: bool = True) -> tuple[Path, Model, Path, dict[str, str]]:
    """The published release, its model, its database and the pages to load on it (wrk must be there)."""
    if need_wrk and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make loadtest does it)")
    release = paths.published.resolve()
    if not (release / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `python -m pipeline --root {paths.root} publish` first.")
    model = load_model(paths.schemas, paths.metadata)
    db = release / f"{DB_NAME}.db"
    counts = {n: t["count"] for n, t in json.loads((release / "portal" / "inspect.json").read_text())[DB_NAME]["tables"].items()}
    return release, model, db, choose_pages(db, model, counts)


def run(
    paths: Paths,
    seconds: int = SECONDS,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    servers: tuple[str, ...] = ("ours", "bare"),
    only: list[str] | None = None,
    cold: bool = True,
) -> list[PageComparison]:
    """Load the same pages on our portal and on bare Datasette. Both servers are started first; each
    page is then loaded on ours and right after on bare (one at a time: the idle one takes no CPU),
    so that both see the same machine, whatever else runs on it; then on ours cold (every request a
    URL not in its response cache: HTML, JSON and CSV pages alike)."""
    release, model, db, pages = release_pages(paths)
    if only:
        pages = {k: v for k, v in pages.items() if any(k.startswith(o) for o in only)}
    results = {page: PageComparison(page, path) for page, path in pages.items()}
    with tempfile.TemporaryDirectory(prefix="portalbench-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        started = {}  # name -> (base URL, facets the server shows unasked)

        def start(name: str, args: list[str], env: dict, ready: str, configured: dict) -> None:
            port = free_port()
            args = [a.replace("{port}", str(port)) for a in args]
            log = (work / f"{name}.log").open("w")
            proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, proc, log)
            wait_ready(f"http://127.0.0.1:{port}", proc, ready, 120)
            started[name] = (f"http://127.0.0.1:{port}", configured)

        if "ours" in servers:
            start(
                "ours",
                _with_port(datasette_args(release, paths, model, "127.0.0.1", 0)),
                datasette_env(paths),
                "/health",
                {t.name: t.facet_fields for t in model.tables.values()},
            )
        if "bare" in servers:
            inspect = work / "inspect.json"
            subprocess.run(
                [sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file", str(inspect)], check=True, capture_output=True
            )
            start(
                "bare",
                [
                    sys.executable,
                    "-m",
                    "datasette",
                    "serve",
                    "-i",
                    str(db),
                    "--inspect-file",
                    str(inspect),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                ],
                dict(os.environ),
                "/-/versions.json",
                {},
            )
        # The field with the most values (the first page filtered) and its values, for cold loads.
        most_values = first_values(db, next((p for n, p in pages.items() if n.startswith("filtered (")), ""))
        for base, _ in started.values():  # warm: the file's pages in the OS cache, connections open
            for path in pages.values():
                with urllib.request.urlopen(base + path, timeout=60) as r:
                    r.read()
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_REPORT)
            script.flush()
            for page, path in pages.items():
                for name, (base, configured) in started.items():
                    setattr(results[page], name, load_page(base, path, script.name, seconds, connections, threads, configured))
                if cold and "ours" in started:
                    base, configured = started["ours"]
                    with tempfile.NamedTemporaryFile("w", suffix=".lua") as cold_script:
                        variants = cold_paths(path, *most_values)
                        cold_script.write(WRK_REPORT + WRK_COLD % ", ".join(lua_string(p) for p in variants))
                        cold_script.flush()
                        results[page].cold = load_page(base, path, cold_script.name, seconds, connections, threads, configured, cold=True)
    return list(results.values())


def _with_port(args: list[str]) -> list[str]:
    """serve.datasette_args with its port left to fill in."""
    return args[: args.index("-p") + 1] + ["{port}"] + args[args.index("-p") + 2 :]


def cells(f: Figures | None) -> str:
    if f is None:
        return "– | – | – | –"
    return f"{f.rps:,.1f} | {f.p50_ms:,.0f} | {f.p99_ms:,.0f} | {f.errors}"


def _dropped(f: Figures | None) -> str:
    return "–" if f is None else f"{f.dropped}/{f.samples}"


def _ratio(f: Figures | None) -> str:
    return "–" if f is None or f.hit_ratio is None else f"{f.hit_ratio:.0%}"


def table(results: list[PageComparison], seconds: int, connections: int, threads: int) -> str:
    """The comparison as a Markdown table, then why any answer lost a facet or a count."""
    loads = [f.load for r in results for f in (r.ours, r.bare, r.cold) if f]
    lines = [
        f"wrk, {threads} threads, {connections} connections, {seconds} s a page, timeout 5 s, loopback; "
        f"1-min load average before each page: {min(loads, default=0):.2f}–{max(loads, default=0):.2f}",
        "| page | ours rps | p50 ms | p99 ms | errors | hits | bare rps | p50 ms | p99 ms | errors | ours/bare "
        "| cold rps | p50 ms | p99 ms | errors | hits | cold/bare | dropped ours | dropped cold | dropped bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio:,.1f}×" if r.ratio is not None else ("bare: none" if r.bare and r.ours else "–")
        cold_ratio = (
            f"{r.cold.rps / r.bare.rps:,.1f}×" if r.cold and r.bare and r.bare.rps else ("bare: none" if r.bare and r.cold else "–")
        )
        lines.append(
            f"| {r.page} | {cells(r.ours)} | {_ratio(r.ours)} | {cells(r.bare)} | {ratio} "
            f"| {cells(r.cold)} | {_ratio(r.cold)} | {cold_ratio} "
            f"| {_dropped(r.ours)} | {_dropped(r.cold)} | {_dropped(r.bare)} |"
        )
    lines.append("")
    lines.append(
        "rps = good answers per second (a timeout or error is not one); p50/p99 over the answers wrk "
        "completed; errors = timeouts (5 s), socket errors and non-2xx/3xx"
    )
    lines.append(
        "hits = answers from our response cache ÷ all it saw in that run; cold = ours, every request a "
        "URL not in the cache (`_cold=N`, and the real values of the first filter): what a first visit costs"
    )
    lines.append(
        "dropped = answers (sampled during the load and once after) where a facet timed out or was missing, or the row count was missing"
    )
    for r in results:
        lines.append(f"  {r.page}: {r.path}")
        for who, f in (("ours", r.ours), ("cold", r.cold), ("bare", r.bare)):
            for reason in (f.reasons if f else [])[:3]:
                lines.append(f"    {who} dropped: {reason}")
    return "\n".join(lines)


def failed(results: list[PageComparison]) -> bool:
    """Our portal had an error or dropped a facet or a count."""
    return any(f and (f.errors or f.dropped) for r in results for f in (r.ours, r.cold))


def profile(paths: Paths, requests: int = 20, only: list[str] | None = None, stats: int = 0) -> list[tuple[str, float, int]]:
    """Where a first visit's time goes: each page computed `requests` times in this process by our
    portal's Datasette (its plugins and settings, the response cache off, every request a new
    `_cold=N`), through Datasette's own ASGI client: (page, CPU ms a request, bytes). CPU time of
    the process (its SQL threads too), so that other work on the machine weighs less than on a
    wall clock. With `stats`, Python's profiler prints the first chosen page's `stats` costliest
    functions. Nothing is asserted."""
    import asyncio
    import cProfile
    import pstats
    import time

    from pipeline.portal.cache import ENV as CACHE_ENV
    from pipeline.portal.server import build_datasette

    release, model, _, pages = release_pages(paths, need_wrk=False)
    if only:
        pages = {k: v for k, v in pages.items() if any(k.startswith(o) for o in only)}
    args = datasette_args(release, paths, model, "127.0.0.1", 0)
    os.environ.update({**datasette_env(paths), CACHE_ENV: json.dumps({"max_mb": 0})})
    ds = build_datasette(args[args.index("-i") :])  # `datasette serve`'s own options, no server
    measured = []

    async def visits(path: str, tag: str) -> int:
        size = 0
        for i in range(requests):
            response = await ds.client.get(path + ("&" if "?" in path else "?") + f"_cold={tag}{i}")
            if response.status_code != 200:
                raise SystemExit(f"{path}: status {response.status_code}")
            size = len(response.content)
        return size

    async def run_all() -> None:
        await ds.invoke_startup()
        for page, path in pages.items():
            await visits(path, "warm-")  # the release's schema answers and labels, once per process
            start = time.process_time()
            size = await visits(path, "")
            measured.append((page, (time.process_time() - start) * 1000 / requests, size))
        if stats and pages:
            profiler = cProfile.Profile()
            profiler.enable()
            await visits(next(iter(pages.values())), "profiled-")
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(stats)

    asyncio.run(run_all())
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.portalbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="project folder with a published release")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--servers", default="ours,bare", help="ours,bare (default), or one of them")
    parser.add_argument("--pages", default="", help="comma-separated page name prefixes (default: all)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold loads (URLs not in our response cache)")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="no load: compute each page N times in this process (cache off) and print its CPU a request",
    )
    parser.add_argument("--stats", type=int, default=0, help="with --profile: print the first page's N costliest functions")
    args = parser.parse_args(argv)
    if args.profile:
        for page, cpu_ms, size in profile(
            Paths(args.root.resolve()), args.profile, [p for p in args.pages.split(",") if p] or None, args.stats
        ):
            print(f"{page:40} {cpu_ms:7.1f} ms CPU a first visit  {size:9,} bytes")
        return 0
    results = run(
        Paths(args.root.resolve()),
        args.seconds,
        args.connections,
        args.threads,
        tuple(args.servers.split(",")),
        [p for p in args.pages.split(",") if p] or None,
        not args.no_cold,
    )
    print(table(results, args.seconds, args.connections, args.threads))
    return 1 if failed(results) else 0


if __name__ == "__main__":
    sys.exit(main())
