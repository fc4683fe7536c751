"""The one Arabic text module: what is published, and how search folds both sides."""

import pytest

from pipeline.read.text import clean_text, search_key


@pytest.mark.parametrize(
    ("source", "published"),
    [
        ("المشارـكةـ المواطنـةـ", "المشاركة المواطنة"),  # tatweel noise from the PDF
        ("ترسیخ", "ترسيخ"),  # Farsi yeh (U+06CC) -> Arabic yeh
        ("  جماعة   طنجة \n", "جماعة طنجة"),
        ("هاجر بن المدنى", "هاجر بن المدنى"),  # alef maqsura is correct Arabic: kept
    ],
)
def test_clean_text_removes_extraction_noise_only(source, published):
    assert clean_text(source) == published
    assert clean_text(published) == published


@pytest.mark.parametrize(
    ("variant", "clean"),
    [
        ("تطـــوان", "تطوان"),  # tatweel
        ("أصيلة", "اصيلة"),  # hamza on alef
        ("إقليم", "اقليم"),
        ("آيت قمرة", "ايت قمره"),  # madda, teh marbuta
        ("المدنى", "المدني"),  # alef maqsura
        ("مُحَمَّد", "محمد"),  # harakat
        ("ﺗﻄﻮان", "تطوان"),  # presentation forms
        ("٢٠٢٥", "2025"),  # Arabic-Indic digits
        ("Tétouan", "tetouan"),  # French accents and case
    ],
)
def test_search_key_folds_spelling_variants_together(variant, clean):
    assert search_key(variant) == search_key(clean)


def test_search_key_drops_the_article_so_substrings_meet():
    assert search_key("الحسيمة") in search_key("المجلس الإقليمي للحسيمة")
    assert search_key("تطوان") in search_key("المجلس الإقليمي لتطوان")
    assert search_key("طنجة") not in search_key("جماعة تطوان")
