"""Command line: a thin layer over the stage functions. `python -m pipeline --help`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.settings import Paths
from pipeline.model import ModelError, load_model
from pipeline.model.problems import language
from pipeline.model.report import REPORT_WORDS
from pipeline.model.texts import LANGS


def _write_report(report, args, paths: Paths, model=None) -> None:
    lang = language(args.lang)
    print(report.to_text(lang), file=sys.stderr if not report.valid else sys.stdout)
    if args.report_json:
        Path(args.report_json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report_json).write_text(report.to_json() + "\n", encoding="utf-8")
    if args.report_html:
        from pipeline.check import html_report

        html_report.write(report, Path(args.report_html), paths.root, model, lang, args.report_json)
        print(REPORT_WORDS[lang]["open"].format(path=args.report_html), file=sys.stderr if not report.valid else sys.stdout)


# The last line of a refused import, after its problems.
WORKBOOK_REFUSED = {
    "en": "FAILED: {n} problems in the workbook. Nothing was written to raw/.",
    "fr": "ÉCHEC : {n} problèmes dans le classeur. Rien n'a été écrit dans raw/.",
    "ar": "فشل الاستيراد: عدد المشاكل في المصنف {n}. لم يُكتب أي شيء في raw/.",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [
        ("validate", "check raw/ against schemas/ and the cross-table rules"),
        ("publish", "validate, build and atomically publish a release"),
    ]:
        p = sub.add_parser(name, help=text)
        p.add_argument("--report-json", help="also write the validation report as JSON to this file")
        p.add_argument(
            "--report-html",
            help="also write the validation report as a page to open (one section a file, each problem with its row) to this file",
        )
        p.add_argument(
            "--lang",
            choices=LANGS,
            help="the language of the problems: ar, fr or en (default: the locale's, from LC_ALL, LC_MESSAGES or LANG; else en)",
        )
    sub.choices["validate"].add_argument(
        "--schema-only",
        action="store_true",
        help="stop after the checks frictionless makes (types, constraints, keys) and the conventions; skip the "
        "row rules of metadata/rules.yaml, which need the release database loaded",
    )
    s = sub.add_parser("serve", help="serve the published release with Datasette")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    sp = sub.add_parser("serve-prod", help="serve the published release as nginx before N portal replicas on loopback")
    sp.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (default 8080)")
    sp.add_argument("--replica-ports", default="8101,8102", help="one portal replica on each (default 8101,8102)")
    sp.add_argument(
        "--run-dir", type=Path, default=Path("build/serve-prod"), help="nginx's configuration, logs and cache (default build/serve-prod)"
    )
    sub.add_parser("rollback", help="point published/ back at the previous release kept in releases/")
    pr = sub.add_parser("prune", help="remove old releases from releases/, never the current one")
    pr.add_argument("--keep", type=int, default=3, help="how many of the newest releases to keep (default 3)")
    i = sub.add_parser("pb-import", help="add a PB cycle from a Decidim projects export or a Pabulib .pb file to raw/")
    i.add_argument("format", choices=["decidim", "pabulib"])
    i.add_argument("file", type=Path)
    i.add_argument("--cycle", required=True, help="cycle_id (for decidim: its row must already be in raw/pb_cycles.csv)")
    i.add_argument("--source", required=True, help="source_id of the file, a row of raw/sources.csv")
    i.add_argument("--proposer-type", required=True, help="code for who proposed the projects (see schemas/pb_proposals.yaml)")
    i.add_argument("--initiative", help="pabulib: pb_initiative_id the cycle belongs to")
    i.add_argument("--title-ar", help="pabulib: the cycle's Arabic title as the commune publishes it")
    w = sub.add_parser("workbook", help="write an Excel workbook of raw/ generated from schemas/, to edit and import")
    w.add_argument("--out", type=Path, default=Path("workbook/remacto.xlsx"), help="where (default: workbook/remacto.xlsx)")
    r = sub.add_parser("import-workbook", help="read an edited workbook back into raw/ (nothing written unless it is all valid)")
    r.add_argument("file", type=Path)
    r.add_argument("--lang", choices=LANGS, help="the language of the problems (default: the locale's, else en)")
    args = parser.parse_args(argv)
    paths = Paths(args.root.resolve()) if args.root else Paths()

    try:
        if args.command == "validate":
            model = load_model(paths.schemas, paths.metadata)
            if args.schema_only:  # without the build's modules, which only the rules need
                from pipeline.check.validate import check_tables

                report, _ = check_tables(paths.raw, model)
            else:
                from pipeline.build.validation import validate

                report, _ = validate(paths.raw, model)
            _write_report(report, args, paths, model)
            return 0 if report.valid else 1
        if args.command == "publish":
            from pipeline.release.publish import PublishError, publish

            try:
                report, release = publish(paths)
            except PublishError as exc:
                print(f"Publish failed: {exc}", file=sys.stderr)
                return 1
            _write_report(report, args, paths, load_model(paths.schemas, paths.metadata))
            if release is None:
                return 1
            state = "published" if release.changed else "already published (inputs unchanged)"
            print(f"Release {release.id} {state}: {sum(release.rows.values())} rows in {len(release.rows)} tables -> {paths.published}/")
            return 0
        if args.command == "pb-import":
            from pipeline.importers import pb_import

            try:
                if args.format == "decidim":
                    rows = pb_import.from_decidim(args.file, paths.raw, args.cycle, args.source, args.proposer_type)
                else:
                    if not (args.initiative and args.title_ar):
                        parser.error("pb-import pabulib needs --initiative and --title-ar")
                    rows = pb_import.from_pabulib(
                        args.file, paths.raw, args.cycle, args.initiative, args.title_ar, args.source, args.proposer_type
                    )
                added = pb_import.append_rows(paths.raw, load_model(paths.schemas, paths.metadata), rows)
            except pb_import.PBImportError as exc:
                print(f"Import failed, nothing was written:\n{exc}", file=sys.stderr)
                return 1
            print("Added " + ", ".join(f"{n} rows to raw/{t}.csv" for t, n in added.items()) + ". Now run: make validate")
            return 0
        if args.command == "workbook":
            from pipeline.importers import workbook

            out = args.out if args.out.is_absolute() else paths.root / args.out
            counts = workbook.write_workbook(load_model(paths.schemas, paths.metadata), paths.raw, out)
            print(
                f"Wrote {out}: {len(counts)} sheets, {sum(counts.values())} rows. Edit it in Excel or LibreOffice "
                f"(rows from row 3), then run: make import-workbook"
            )
            return 0
        if args.command == "import-workbook":
            from pipeline.importers import workbook

            try:
                result = workbook.import_workbook(args.file, load_model(paths.schemas, paths.metadata), paths.raw)
            except workbook.WorkbookError as exc:
                print(exc.report.to_text(language(args.lang)).rsplit("\n", 1)[0], file=sys.stderr)
                print(WORKBOOK_REFUSED[language(args.lang)].format(n=len(exc.report.problems)), file=sys.stderr)
                return 1
            changed = [f"raw/{name}.csv ({rows} rows)" for name, (rows, was_changed) in result.items() if was_changed]
            print(
                ("Changed " + ", ".join(changed) if changed else "raw/ is unchanged: the workbook holds what raw/ holds")
                + ". Now run: make publish"
            )
            return 0
        if args.command in ("rollback", "prune"):
            from pipeline.release.publish import PublishError
            from pipeline.release.rollback import prune, rollback

            try:
                if args.command == "rollback":
                    print(f"Rolled back: {paths.published} -> {rollback(paths).name}")
                else:
                    removed = prune(paths, args.keep)
                    print(f"Removed {len(removed)} old releases: {', '.join(p.name for p in removed) or 'none'}")
            except PublishError as exc:
                print(f"{args.command.capitalize()} failed: {exc}", file=sys.stderr)
                return 1
            return 0
        if args.command == "serve-prod":
            from pipeline.portal.proxy import serve_prod

            ports = [int(p) for p in args.replica_ports.split(",")]
            return serve_prod(paths, load_model(paths.schemas, paths.metadata), args.port, ports, (paths.root / args.run_dir).resolve())
        if args.command == "serve":
            from pipeline.portal.serve import serve

            serve(paths, load_model(paths.schemas, paths.metadata), args.host, args.port)
    except ModelError as exc:
        print(f"Schema or metadata error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
