"""Every statement of the concept note that issue 16 found missing is published as data, with a
source_ref naming its paragraph and its words found in the source document; every non-Arabic value
(Latin name, acronym, country) names its own source and a reference a reader can follow."""

import hashlib
import re
import sqlite3
import shutil

import httpx
import pytest

from pipeline.settings import ROOT
from pipeline.read.text import clean_text
from pipeline.release.publish import publish
from tests.helpers import DATA

DOCUMENT = ROOT / "raw" / "documents" / "000_e4906bd25129e705.txt"


@pytest.fixture(scope="module")
def db(released):
    _, release = released
    con = sqlite3.connect(f"file:{release.path / 'remacto.db'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


@pytest.fixture(scope="module")
def source_text():
    """The source document as the release cleans text (tatweel and Farsi yeh removed)."""
    return clean_text(DOCUMENT.read_text(encoding="utf-8"))


def one(db, sql, *args):
    rows = db.execute(sql, args).fetchall()
    assert len(rows) == 1, (sql, args, len(rows))
    return rows[0]


def test_the_source_document_in_the_repository_is_the_one_the_sources_table_names(db):
    row = one(db, "SELECT file_name, sha256 FROM sources WHERE source_id = 'concept-note-tta-2025'")
    assert (row["file_name"], hashlib.sha256(DOCUMENT.read_bytes()).hexdigest()) == (DOCUMENT.name, row["sha256"])


def test_the_royal_message_row_says_the_king_lists_seven_challenges_and_the_quoted_one_is_the_third(db, source_text):
    row = one(db, "SELECT * FROM context_references WHERE reference_id = 'royal-message-2024-12-20'")
    assert (row["event_id"], row["quoted_item"], row["listed_items"]) == ("tta-regional-meeting-2025", 3, 7)
    assert row["frame_ar"] == (
        "في سياق حرصنا على ضمان تنزيل أمثل لورش الجهوية المتقدمة، فإننا ندعوا إلى مواصلة الجهد "
        "لمواجهة مختلف التحديات الراهنة والمستقبلية، التي يطرحها هذا الورش المهيكل، نذكر من بينها سبع تحديات كبيرى"
    )
    assert row["note_ar"].startswith("ثالثاً: تحدي تعزيز الديمقراطية التشاركية")
    for text in (row["frame_ar"], row["note_ar"]):
        assert text in source_text
    assert "paragraph 5" in row["source_ref"] and "paragraph 6" in row["source_ref"]
    assert "«سبع تحديات كبيرى»" in row["source_ref"] and "«ثالثاً»" in row["source_ref"]


def test_the_note_says_pb_is_a_challenge_to_raise_for_advanced_regionalisation_and_an_advanced_tool_of_participation(db, source_text):
    row = one(db, "SELECT statement_ar, source_ref FROM context_references WHERE reference_id = 'royal-message-2024-12-20'")
    assert row["statement_ar"] == (
        "وتعتبر الميزانية التشاركية أداة متقدمة للمشاركة المواطن، حيث تُساهم في تعزيز الديمقراطية التشاركية على المستوى الجماعات الترابية. "
        "وتعُد تحدياً ينبغي رفعه من أجل تنزيل أمثل لورش الجهوية المتقدمة"
    )
    assert row["statement_ar"] in source_text
    assert row["source_ref"].startswith("General context section, paragraph 5 (statement_ar:")


def test_the_note_says_pb_translates_the_principles_of_open_government(db, source_text):
    row = one(db, "SELECT * FROM context_references WHERE reference_id = 'open-government-principles'")
    assert (row["kind"], row["title_ar"], row["event_id"], row["source_id"]) == (
        "open_government",
        "مبادئ الحكومة المفتوحة",
        "tta-regional-meeting-2025",
        "concept-note-tta-2025",
    )
    assert row["note_ar"] == (
        "كما ترجم الميزانية التشاركية مبادئ الحكومة المفتوحة، من خلال تعزيز نشر المعلومة والمشاركة المواطن "
        "الفعالة والشفافية المالية والمساءلة بالجماعات الترابية"
    )
    assert row["note_ar"] in source_text
    assert row["source_ref"].startswith("General context section, paragraph 8 ")


def test_the_remacto_row_describes_the_network_as_a_space_for_exchanging_experience_as_the_note_says(db, source_text):
    row = one(db, "SELECT purpose_ar, source_ref FROM organizations WHERE organization_id = 'remacto'")
    assert row["purpose_ar"] == "فضاءً لتبادل وتقاسم الخبرات والممارسات الجيدة وتنمية قدرات الجماعات الترابية الأعضاء"
    assert "تشكل هذه الشبكة المغربية للجماعات الترابية المفتوحة " + row["purpose_ar"] in source_text
    assert "paragraph 3 (purpose_ar:" in row["source_ref"]


def test_the_remacto_row_says_what_its_platform_in_the_national_portal_lets_citizens_do(db, source_text):
    row = one(db, "SELECT website, website_note_ar, source_ref FROM organizations WHERE organization_id = 'remacto'")
    assert row["website_note_ar"] == (
        "منصة رقمية مدمجة بالبوابة الوطنية للجماعات الترابية تمكن من إشراك المواطنات والمواطنين "
        "وجمعيات المجتمع المدني في عملية الإعداد المشترك لبرامج الانفتاح رقميا"
    )
    # The source writes the address between the two halves of the sentence.
    as_written = row["website_note_ar"].replace("الترابية تمكن", f"الترابية <{row['website']}> تمكن")
    assert "وتتوفر على " + as_written in source_text
    assert "website_note_ar" in row["source_ref"] and "paragraph 3" in row["source_ref"]


def latin_columns(model):
    """(table, column) of every column marked script: Latn in schemas/."""
    return [(t.name, f.name) for t in model.tables.values() for f in t.fields if f.script == "Latn"]


def test_every_non_arabic_value_names_a_source_row_with_a_reference_kind_and_a_reference(db, model):
    columns = latin_columns(model)
    assert {
        ("collectivities", "name_latin"),
        ("territories", "name_latin"),
        ("events", "city_latin"),
        ("organizations", "name_latin"),
        ("organizations", "acronym"),
        ("organizations", "country"),
    } <= set(columns)
    kinds = dict(db.execute("SELECT source_id, kind FROM sources").fetchall())
    cited = {}
    for table, column in columns:
        for value, source_id, ref in db.execute(
            f"SELECT {column}, {column}_source_id, {column}_ref FROM {table} WHERE {column} IS NOT NULL"
        ):
            assert kinds.get(source_id) in ("document", "gazetteer", "editorial", "census"), (table, column, value, source_id)
            assert ref and ref.strip() == ref, (table, column, value)
            if kinds[source_id] == "gazetteer":
                assert re.fullmatch(r"GeoNames \d+ \(.+\)", ref), ref
            if kinds[source_id] == "census":  # the HCP code of the unit whose French name it is
                assert re.fullmatch(r"[0-9]{2}(\.[0-9]{3}(\.[0-9]{2}\.[0-9]{1,2})?)?", ref), ref
            if kinds[source_id] == "editorial":
                assert ref.startswith(("Editorial: ", "Inferred, not read: ")), ref
            cited[kinds[source_id]] = cited.get(kinds[source_id], 0) + 1
    # 28 + 11 + 2 Latin place names (23 communes named by HCP, 2 event cities backed by GeoNames),
    # 11 organisation names, 6 acronyms (2 in the document), 12 countries (2 said by the document)
    assert cited == {"census": 23, "gazetteer": 2, "editorial": 41, "document": 4}


def test_a_latin_column_without_its_reference_column_is_refused_by_the_model(tmp_path):
    from pipeline.model import ModelError, load_model

    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    path = tmp_path / "schemas" / "events.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - name: city_latin_ref\n")
    path.write_text(text[:start] + text[text.index("  - name: region_id\n") :], encoding="utf-8")
    with pytest.raises(ModelError, match="city_latin is script 'Latn' but has no city_latin_ref column"):
        load_model(tmp_path / "schemas", ROOT / "metadata")


@pytest.mark.parametrize("fast_min_bytes", [0, 10**9], ids=["duckdb-path", "frictionless-path"])
def test_a_latin_name_with_its_source_but_no_reference_is_refused_with_file_row_and_column(project, fast_min_bytes):
    from pipeline.model import load_model
    from pipeline.build.validation import validate

    shutil.copy(DATA / "latin-name-without-reference.csv", project.raw / "collectivities.csv")
    report, _ = validate(project.raw, load_model(project.schemas, project.metadata), fast_min_bytes=fast_min_bytes, rules=False)
    assert {p.key() for p in report.problems} == {("collectivities.csv", 17, "name_latin_ref", "provenance-error")}


def test_a_latin_name_without_its_reference_publishes_nothing(project):
    shutil.copy(DATA / "latin-name-without-reference.csv", project.raw / "collectivities.csv")
    report, release = publish(project)
    assert (release, [p.code for p in report.problems]) == (None, ["provenance-error"])


def test_the_editorial_sources_say_plainly_they_are_the_maintainers_reading_and_when_it_was_checked(db):
    rows = {r["source_id"]: r for r in db.execute("SELECT * FROM sources WHERE kind = 'editorial'")}
    assert sorted(rows) == ["latin-names", "latin-names-inferred"]
    for row in rows.values():
        assert "not an official register" in row["title_en"] and "REMACTO open-data maintainers" in row["title_en"]
        assert row["document_date"] == "2026-12-01" and "REMACTO open-data maintainers on 2026-12-01" in row["date_note"]


def test_the_huelva_council_latin_name_is_marked_as_inferred_from_a_garbled_word(db):
    row = one(db, "SELECT name_latin, name_latin_source_id, name_latin_ref FROM organizations WHERE organization_id = 'diputacion-huelva'")
    assert tuple(row)[:2] == ("Diputación Provincial de Huelva", "latin-names-inferred")
    assert row["name_latin_ref"].startswith("Inferred, not read: ") and row["name_latin_ref"].endswith("Not certain")
    others = db.execute("SELECT COUNT(*) FROM organizations WHERE name_latin_source_id = 'latin-names-inferred'").fetchone()[0]
    assert others == 1


def test_a_country_is_taken_from_the_document_only_where_the_name_there_says_it(db):
    rows = db.execute(
        "SELECT organization_id, country, country_source_id FROM organizations "
        "WHERE country_source_id = 'concept-note-tta-2025' ORDER BY organization_id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("aecid", "ES", "concept-note-tta-2025"), ("remacto", "MA", "concept-note-tta-2025")]
    assert db.execute("SELECT COUNT(*) FROM organizations WHERE country IS NOT NULL").fetchone()[0] == 12


def test_the_phase_mapping_names_the_repository_commit_and_path_of_every_file_read(db):
    row = one(db, "SELECT notes, date_note FROM sources WHERE source_id = 'pb-platform-phase-mapping'")
    pinned = re.findall(r"commit ([0-9a-f]{40}), ([\w/.-]+\.rb)", row["notes"])
    assert [path for _, path in pinned] == [
        "app/models/budget/phase.rb",
        "app/models/concerns/milestoneable.rb",
        "decidim-proposals/lib/decidim/proposals/component.rb",
        "decidim-budgets/lib/decidim/budgets/component.rb",
        "decidim-accountability/lib/decidim/accountability/result_serializer.rb",
    ]
    assert "https://github.com/consuldemocracy/consuldemocracy" in row["notes"] and "https://github.com/decidim/decidim" in row["notes"]
    for kind_row in db.execute("SELECT source_ref FROM pb_phase_kinds"):
        assert "phase.rb at 01c1ac2b" in kind_row["source_ref"]


def test_the_torredonjimeno_talk_is_linked_to_the_commune_and_the_commune_to_the_province_of_jaen(db, source_text):
    row = one(
        db,
        "SELECT s.about_organization_id, o.territory_id, t.name_ar, t.kind FROM event_sessions AS s "
        "JOIN organizations AS o ON o.organization_id = s.about_organization_id "
        "JOIN territories AS t ON t.territory_id = o.territory_id WHERE s.session_id = 'tta-2025-s06'",
    )
    assert tuple(row) == ("torredonjimeno", "jaen", "إقليم خاين", "province")
    assert "بجماعة طوري دون خيمينو بإقليم خاين" in source_text
    assert one(db, "SELECT territory_id FROM organizations WHERE organization_id = 'diputacion-jaen'")[0] == "jaen"


def test_activity_5_and_result_3_are_linked_to_the_al_hoceima_pb_initiative(db):
    linked = db.execute(
        "SELECT 'activity', activity_no, a.pb_initiative_id, i.collectivity_id FROM project_activities AS a "
        "JOIN pb_initiatives AS i USING (pb_initiative_id) "
        "UNION ALL SELECT 'result', result_no, r.pb_initiative_id, i.collectivity_id FROM project_results AS r "
        "JOIN pb_initiatives AS i USING (pb_initiative_id) ORDER BY 1, 2"
    ).fetchall()
    assert [tuple(r) for r in linked] == [("activity", 5, "pb-tta-023", "tta-023"), ("result", 3, "pb-tta-023", "tta-023")]


def test_both_events_are_meetings_of_the_remacto_network(db):
    rows = db.execute("SELECT event_id, role FROM event_organizations WHERE organization_id = 'remacto' ORDER BY event_id").fetchall()
    assert [tuple(r) for r in rows] == [("remacto-national-meeting-2024", "network"), ("tta-regional-meeting-2025", "network")]


@pytest.mark.parametrize(
    "sql, words",
    [
        ("SELECT source_ref FROM territories WHERE territory_id = 'oriental'", ["tatweel", "conjunction و"]),
        ("SELECT source_ref FROM project_activities WHERE activity_no = 1", ["بجهتي", "تطوان", "tatweel"]),
        ("SELECT source_ref FROM event_sessions WHERE session_id = 'tta-2025-s05'", ["تفصيلات is kept as written", "تمفصلات"]),
        ("SELECT source_ref FROM collectivities WHERE collectivity_id = 'tta-011'", ["عيادة is kept as written", "no Latin name"]),
    ],
)
def test_extraction_losses_are_noted_in_source_ref(db, sql, words):
    ref = one(db, sql)[0]
    assert [w for w in words if w not in ref] == []


def test_the_supporters_role_reads_accompaniment_as_the_source_says(model):
    field = model.tables["pb_initiative_supporters"].field("role")
    assert field.codes["support"] == {"ar": "مواكبة", "fr": "Accompagnement", "en": "Accompaniment"}


def test_the_network_page_and_the_regional_meeting_page_show_the_new_facts(portal):
    network = httpx.get(portal + "/remacto/organizations/remacto?_lang=en", timeout=30)
    assert network.status_code == 200
    for text in (
        "What the source says the organization is for",
        "فضاءً لتبادل وتقاسم الخبرات",
        "What the source says of the website",
        "منصة رقمية مدمجة بالبوابة الوطنية",
    ):
        assert text in network.text, text
    meeting = httpx.get(portal + "/remacto/events/tta-regional-meeting-2025?_lang=en", timeout=30)
    assert meeting.status_code == 200
    assert "/remacto/context_references?event_id=tta-regional-meeting-2025" in meeting.text
    context = httpx.get(portal + "/remacto/context_references?event_id=tta-regional-meeting-2025&_lang=ar", timeout=30)
    assert "سبع تحديات كبيرى" in context.text and "مبادئ الحكومة المفتوحة" in context.text
