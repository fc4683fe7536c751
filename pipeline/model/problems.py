"""Every problem code the pipeline reports, with its message templates in Arabic, French and
English, in one registry (as frictionless keeps its error classes). A message is a template per
language, filled with the problem's values; a problem carries its message in all three, and the
report shows the one the maintainer reads (`--lang`, else the machine's locale). Codes frictionless
also reports keep its names, so a report reads the same whichever path found the problem."""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.model.report import Problem
from pipeline.model.texts import LANGS


@dataclass(frozen=True)
class Code:
    code: str
    # Where it comes from: "read" (the strict CSV reader), "check" (our conventions, the fast path),
    # "frictionless" (its verdicts, by its names), "rules" (metadata/rules.yaml), "import" (importers).
    stage: str
    # Message templates by variant ("" the usual one), each {lang: str.format template}.
    templates: dict[str, dict[str, str]]


class Words(dict):
    """A value of a message that is itself a word to translate ({lang: text}), e.g. a type name."""


def _t(en: str, fr: str, ar: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "ar": ar}


def _code(code: str, stage: str, usual: dict[str, str] | None = None, **variants: dict[str, str]) -> Code:
    templates = {"": usual} if usual is not None else {}
    templates.update({name.replace("_", "-"): texts for name, texts in variants.items()})
    return Code(code, stage, templates)


_HEADER = _t(
    "the header of {path} must be exactly: {expected}",
    "l'en-tête de {path} doit être exactement : {expected}",
    "يجب أن يكون سطر العناوين في {path} بالضبط: {expected}",
)


def _with_header(en: str, fr: str, ar: str) -> dict[str, str]:
    return _t(f"{en}; {_HEADER['en']}", f"{fr} ; {_HEADER['fr']}", f"{ar}؛ {_HEADER['ar']}")


REGISTRY: dict[str, Code] = {
    c.code: c
    for c in (
        # The strict reader (read/csv.py) and its fast-path twin.
        _code(
            "missing-file",
            "read",
            _t(
                "the file is missing; create it with the header row of schemas/{table}.yaml",
                "le fichier est absent ; créez-le avec la ligne d'en-tête de schemas/{table}.yaml",
                "الملف غير موجود؛ أنشئه بسطر العناوين المذكور في schemas/{table}.yaml",
            ),
        ),
        _code(
            "empty-file",
            "read",
            _t(
                "the file is empty; it needs at least the header row",
                "le fichier est vide ; il lui faut au moins la ligne d'en-tête",
                "الملف فارغ؛ يجب أن يحتوي على الأقل على سطر العناوين",
            ),
        ),
        _code(
            "encoding-error",
            "read",
            utf16=_t(
                "the file is UTF-16; re-save it as 'CSV UTF-8'",
                "le fichier est en UTF-16 ; enregistrez-le de nouveau au format « CSV UTF-8 »",
                "الملف مرمّز بـ UTF-16؛ أعد حفظه بصيغة «CSV UTF-8»",
            ),
            not_utf8=_t(
                "the file is not UTF-8 (byte 0x{byte:02X} at line {line}); re-save it as 'CSV UTF-8'",
                "le fichier n'est pas en UTF-8 (octet 0x{byte:02X} à la ligne {line}) ; enregistrez-le de nouveau au format « CSV UTF-8 »",
                "الملف ليس بترميز UTF-8 (البايت 0x{byte:02X} في السطر {line})؛ أعد حفظه بصيغة «CSV UTF-8»",
            ),
            nul=_t(
                "the file contains a NUL byte; it is binary or damaged",
                "le fichier contient un octet NUL ; il est binaire ou endommagé",
                "الملف يحتوي على بايت فارغ (NUL)؛ فهو ملف ثنائي أو تالف",
            ),
        ),
        _code(
            "source-error",
            "read",
            _t(
                "the CSV cannot be read ({reason}); check quotes around that line",
                "le CSV est illisible ({reason}) ; vérifiez les guillemets autour de cette ligne",
                "تعذّرت قراءة ملف CSV ({reason})؛ تحقّق من علامات التنصيص حول هذا السطر",
            ),
        ),
        _code(
            "cell-too-long",
            "read",
            _t(
                "the cell holds {length:,} characters; the limit is {limit:,}",
                "la cellule contient {length} caractères ; la limite est de {limit}",
                "الخانة تحتوي على {length} حرف؛ والحد الأقصى {limit}",
            ),
        ),
        # Which files and columns (check/validate.py, check/conventions.py).
        _code(
            "unknown-table",
            "check",
            _t(
                "no schema for this file; add schemas/{table}.yaml or move the file out of {folder}/",
                "aucun schéma pour ce fichier ; ajoutez schemas/{table}.yaml ou sortez le fichier du dossier {folder}/",
                "لا يوجد مخطط لهذا الملف؛ أضف schemas/{table}.yaml أو انقل الملف خارج المجلد {folder}/",
            ),
        ),
        _code(
            "duplicate-label",
            "check",
            _with_header(
                "the column {column!r} appears more than once", "la colonne {column!r} figure plus d'une fois", "العمود {column!r} مكرّر"
            ),
        ),
        _code(
            "missing-label",
            "check",
            _with_header("the column {column!r} is missing", "la colonne {column!r} manque", "العمود {column!r} ناقص"),
        ),
        _code(
            "extra-label",
            "check",
            _t(
                "unknown column {column!r}: add it to schemas/{table}.yaml or remove it from the file",
                "colonne inconnue {column!r} : ajoutez-la à schemas/{table}.yaml ou retirez-la du fichier",
                "عمود غير معروف {column!r}: أضفه إلى schemas/{table}.yaml أو احذفه من الملف",
            ),
        ),
        _code(
            "incorrect-label",
            "check",
            _with_header("the columns are in another order", "les colonnes ne sont pas dans le bon ordre", "الأعمدة ليست بالترتيب الصحيح"),
        ),
        # The project's row conventions.
        _code(
            "formula-injection",
            "check",
            _t(
                "{start!r} starts like a spreadsheet formula; remove the leading {first!r}",
                "{start!r} commence comme une formule de tableur ; retirez le {first!r} du début",
                "{start!r} يبدأ مثل صيغة في جدول بيانات؛ احذف {first!r} من بدايته",
            ),
        ),
        _code(
            "range-error",
            "check",
            _t(
                "{end} {end_value!r} is before {start} {start_value!r}; swap them or correct one",
                "{end} {end_value!r} est antérieur à {start} {start_value!r} ; inversez-les ou corrigez l'un des deux",
                "{end} {end_value!r} يسبق {start} {start_value!r}؛ بدّل بينهما أو صحّح أحدهما",
            ),
        ),
        _code(
            "provenance-error",
            "check",
            _t(
                "{together} go together: fill all or none (every published fact names its source and where in it)",
                "{together} vont ensemble : remplissez-les tous ou aucun (chaque fait publié cite sa source et l'endroit où il s'y trouve)",
                "{together} متلازمة: املأها كلها أو اتركها كلها فارغة (كل معلومة منشورة تذكر مصدرها وموضعها فيه)",
            ),
        ),
        # frictionless's verdicts (check/frictionless.py), by its error types.
        _code(
            "type-error",
            "frictionless",
            _t("{cell!r} is not a valid {type}", "{cell!r} n'est pas valide : il faut {type}", "{cell!r} غير صالح: المطلوب {type}"),
            form=_t(
                "{cell!r} is not a valid {type} ({form})",
                "{cell!r} n'est pas valide : il faut {type} ({form})",
                "{cell!r} غير صالح: المطلوب {type} بالصيغة {form}",
            ),
        ),
        _code(
            "constraint-error",
            "frictionless",
            _t("{cell!r} breaks a constraint: {note}", "{cell!r} enfreint une contrainte : {note}", "{cell!r} يخالف قيدًا: {note}"),
            enum=_t(
                "{cell!r} is not an allowed code; use one of: {codes}",
                "{cell!r} n'est pas un code autorisé ; utilisez l'un de ceux-ci : {codes}",
                "{cell!r} ليس رمزًا مسموحًا به؛ استعمل أحد الرموز التالية: {codes}",
            ),
            required=_t("a value is required here", "une valeur est obligatoire ici", "هذه الخانة إلزامية؛ أدخل قيمة"),
            pattern=_t(
                "{cell!r} does not match the pattern {pattern!r}; check case and spaces",
                "{cell!r} ne respecte pas le motif {pattern!r} ; vérifiez les majuscules et les espaces",
                "{cell!r} لا يطابق النمط {pattern!r}؛ تحقّق من الأحرف الكبيرة والصغيرة ومن المسافات",
            ),
            unique=_t(
                "{cell!r} appears more than once; it must be unique",
                "{cell!r} figure plus d'une fois ; la valeur doit être unique",
                "{cell!r} مكرّر؛ يجب أن تكون القيمة فريدة",
            ),
        ),
        _code(
            "unique-error",
            "frictionless",
            _t(
                "{cell!r} appears more than once; it must be unique ({note})",
                "{cell!r} figure plus d'une fois ; la valeur doit être unique ({note})",
                "{cell!r} مكرّر؛ يجب أن تكون القيمة فريدة ({note})",
            ),
        ),
        _code(
            "primary-key",
            "frictionless",
            _t(
                "duplicate identifier: {note} (the primary key {key} must be unique)",
                "identifiant en double : {note} (la clé primaire {key} doit être unique)",
                "معرّف مكرّر: {note} (يجب أن يكون المفتاح الأساسي {key} فريدًا)",
            ),
        ),
        _code(
            "foreign-key",
            "frictionless",
            _t(
                "{cells} is not a {fields} in raw/{table}.csv; add it there or correct this cell",
                "{cells} ne figure pas comme {fields} dans raw/{table}.csv ; ajoutez-le là-bas ou corrigez cette cellule",
                "{cells} غير موجود بصفته {fields} في raw/{table}.csv؛ أضفه هناك أو صحّح هذه الخانة",
            ),
        ),
        _code(
            "extra-cell",
            "frictionless",
            _t(
                "this row has more cells than the header ({cell!r} is extra); check for an unquoted comma",
                "cette ligne a plus de cellules que l'en-tête ({cell!r} est en trop) ; cherchez une virgule hors guillemets",
                "هذا السطر فيه خانات أكثر من سطر العناوين ({cell!r} زائدة)؛ ابحث عن فاصلة خارج علامات التنصيص",
            ),
        ),
        _code(
            "missing-cell",
            "frictionless",
            _t(
                "this row has fewer cells than the header; check for a missing comma or value",
                "cette ligne a moins de cellules que l'en-tête ; cherchez une virgule ou une valeur manquante",
                "هذا السطر فيه خانات أقل من سطر العناوين؛ ابحث عن فاصلة أو قيمة ناقصة",
            ),
        ),
        _code("blank-row", "frictionless", _t("the row is blank; delete it", "la ligne est vide ; supprimez-la", "السطر فارغ؛ احذفه")),
        # metadata/rules.yaml (check/rules.py). A rule's description is written in metadata/rules.yaml.
        _code(
            "rule-error",
            "rules",
            _t(
                "rule {rule} cannot run: {reason}",
                "la règle {rule} ne peut pas s'exécuter : {reason}",
                "تعذّر تنفيذ القاعدة {rule}: {reason}",
            ),
        ),
        _code(
            "rule-violation",
            "rules",
            _t(
                "{found} {description} (rule {rule} in metadata/rules.yaml)",
                "{found} {description} (règle {rule} de metadata/rules.yaml)",
                "{found} {description} (القاعدة {rule} في metadata/rules.yaml)",
            ),
        ),
        _code(
            "cross-check-error",
            "rules",
            _t(
                "{description} Found {actual}, expected {expected} (rule {rule} in metadata/rules.yaml)",
                "{description} Trouvé {actual}, attendu {expected} (règle {rule} de metadata/rules.yaml)",
                "{description} القيمة الموجودة {actual}، والقيمة المتوقعة {expected} (القاعدة {rule} في metadata/rules.yaml)",
            ),
        ),
        # The importers: each names what it could not place, in its own words (English).
        _code("import-error", "import", _t("{reason}", "{reason}", "{reason}")),
        # The workbook route (importers/workbook.py): the form of the workbook; its values are then
        # checked as raw/ is, and reported with the codes above, on the workbook's sheet and row.
        _code(
            "workbook-unreadable",
            "import",
            _t(
                "the file cannot be opened as an Excel workbook ({reason}); save it as .xlsx",
                "le fichier ne s'ouvre pas comme un classeur Excel ({reason}) ; enregistrez-le au format .xlsx",
                "تعذّر فتح الملف كمصنف Excel ({reason})؛ احفظه بصيغة xlsx",
            ),
        ),
        _code(
            "workbook-unknown-sheet",
            "import",
            _t(
                "the sheet {sheet!r} is not a table of schemas/; delete or rename it",
                "la feuille {sheet!r} n'est pas une table de schemas/ ; supprimez-la ou renommez-la",
                "الورقة {sheet!r} ليست جدولًا من schemas/؛ احذفها أو غيّر اسمها",
            ),
        ),
        _code(
            "workbook-missing-sheet",
            "import",
            _t(
                "the sheet {sheet!r} is missing; write a new workbook with make workbook",
                "la feuille {sheet!r} manque ; produisez un nouveau classeur avec make workbook",
                "الورقة {sheet!r} ناقصة؛ أنشئ مصنفًا جديدًا بالأمر make workbook",
            ),
        ),
        _code(
            "workbook-unknown-column",
            "import",
            _t(
                "the cell {cell} is in no column of the sheet {sheet!r} ({column!r}); delete it or write the value "
                "in a column of the table",
                "la cellule {cell} n'est dans aucune colonne de la feuille {sheet!r} ({column!r}) ; supprimez-la ou "
                "écrivez la valeur dans une colonne de la table",
                "الخانة {cell} خارج أعمدة الورقة {sheet!r} ({column!r})؛ احذفها أو اكتب القيمة في أحد أعمدة الجدول",
            ),
        ),
        _code(
            "workbook-missing-column",
            "import",
            _t(
                "the column {column!r} is missing from row 1 of the sheet {sheet!r}; put its name back",
                "la colonne {column!r} manque à la ligne 1 de la feuille {sheet!r} ; remettez son nom",
                "العمود {column!r} ناقص من السطر 1 في الورقة {sheet!r}؛ أعد كتابة اسمه",
            ),
        ),
        _code(
            "workbook-column-order",
            "import",
            _t(
                "the columns of the sheet {sheet!r} are in another order; put them back as make workbook wrote them",
                "les colonnes de la feuille {sheet!r} ne sont pas dans le bon ordre ; remettez-les comme make workbook les a écrites",
                "أعمدة الورقة {sheet!r} ليست بالترتيب الصحيح؛ أعدها كما كتبها make workbook",
            ),
        ),
        _code(
            "workbook-titles-row",
            "import",
            _t(
                "row 2 of the sheet {sheet!r} must be the titles as make workbook wrote them; type rows from row 3",
                "la ligne 2 de la feuille {sheet!r} doit rester celle des titres écrite par make workbook ; "
                "saisissez les lignes à partir de la ligne 3",
                "السطر 2 في الورقة {sheet!r} يجب أن يبقى سطر العناوين كما كتبه make workbook؛ اكتب البيانات ابتداءً من السطر 3",
            ),
        ),
        _code(
            "workbook-formula",
            "import",
            _t(
                "the cell {cell} holds a formula; type its value instead (raw/ keeps values, never formulas)",
                "la cellule {cell} contient une formule ; saisissez plutôt sa valeur (raw/ garde des valeurs, jamais de formules)",
                "الخانة {cell} تحتوي على صيغة؛ اكتب قيمتها بدلًا منها (raw/ يحفظ القيم، لا الصيغ)",
            ),
        ),
        _code(
            "workbook-merged-cells",
            "import",
            _t(
                "the cells {cells} are merged; unmerge them and give each cell its own value",
                "les cellules {cells} sont fusionnées ; annulez la fusion et donnez à chaque cellule sa valeur",
                "الخانات {cells} مدمجة؛ ألغِ الدمج واكتب في كل خانة قيمتها",
            ),
        ),
    )
}

# The names of the schema types, as a type-error says what a cell must be.
TYPE_NAMES: dict[str, Words] = {
    "string": Words(en="text", fr="un texte", ar="نص"),
    "integer": Words(en="integer", fr="un nombre entier", ar="عدد صحيح"),
    "number": Words(en="number", fr="un nombre", ar="عدد"),
    "date": Words(en="date", fr="une date", ar="تاريخ"),
    "time": Words(en="time", fr="une heure", ar="وقت"),
    "year": Words(en="year", fr="une année", ar="سنة"),
    "boolean": Words(en="boolean", fr="vrai ou faux", ar="قيمة منطقية"),
}
# How a date or a year is written, when the schema gives no format of its own.
TYPE_FORMS: dict[str, Words] = {
    "date": Words(en="YYYY-MM-DD", fr="AAAA-MM-JJ", ar="YYYY-MM-DD"),
    "year": Words(en="YYYY", fr="AAAA", ar="YYYY"),
}


def type_name(type_: str) -> Words | str:
    return TYPE_NAMES.get(type_, type_)


def _in(values: Mapping, lang: str) -> dict:
    return {k: v.get(lang, v.get("en")) if isinstance(v, Words) else v for k, v in values.items()}


def _fill(template: str, values: Mapping, lang: str) -> str:
    return template.format(**_in(values, lang))


def fill_parts(template: str, values: Mapping, lang: str = "en") -> list[tuple[str, bool]]:
    """A template filled in as (text, is_value) pieces, for a page that isolates each value."""
    formatter, values, out = string.Formatter(), _in(values, lang), []
    for literal, name, spec, conversion in formatter.parse(template):
        if literal:
            out.append((literal, False))
        if name is not None:
            value = formatter.convert_field(formatter.get_field(name, (), values)[0], conversion)
            out.append((formatter.format_field(value, spec or ""), True))
    return out


def message_parts(p: Problem, lang: str) -> list[tuple[str, bool]]:
    """A problem's message in `lang` as (text, is_value) pieces (one piece when it has no template)."""
    if p.code in REGISTRY and p.variant in REGISTRY[p.code].templates and p.values:
        return fill_parts(REGISTRY[p.code].templates[p.variant][lang], p.values, lang)
    return [(p.text(lang), False)]


def message(code: str, values: Mapping, variant: str = "", lang: str = "en") -> str:
    """The message of a problem, from its code's template in `lang`."""
    return _fill(REGISTRY[code].templates[variant][lang], values, lang)


def messages(code: str, values: Mapping, variant: str = "") -> dict[str, str]:
    """The message of a problem in each language: {lang: text}."""
    return {lang: message(code, values, variant, lang) for lang in LANGS}


def problem(code: str, file: str, row: int | None, field: str | None, variant: str = "", **values) -> Problem:
    """A Problem of a registered code, its message filled from the templates in each language."""
    texts = messages(code, values, variant)
    return Problem(file, row, field, code, texts["en"], texts, variant, values)


def language(lang: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The language problems are shown in: `lang` if given, else the locale's (the first of
    LC_ALL, LC_MESSAGES, LANG that is set, as POSIX orders them), else English."""
    if lang:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
        return lang
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            found = environ[name].split(".")[0].split("@")[0].split("_")[0].lower()
            return found if found in LANGS else "en"
    return "en"
