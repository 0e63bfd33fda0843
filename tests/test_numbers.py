from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.numbers import figure_phrases, parse_count, whole_count


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("440", 440, None),
        ("nearly seven lakh", 700_000, "nearly"),
        ("over 2 lakh", 200_000, "more than"),
        ("3,57,243", 357_243, None),
        ("2,23,000", 223_000, None),
        ("1.5 crore", 15_000_000, None),
        ("three million", 3_000_000, None),
        ("40 to 50", 40, "at least"),
        ("40-50", 40, "at least"),
        ("between 40 and 50", 40, "at least"),
        ("four", 4, None),
        ("sixteen", 16, None),
        ("twenty-five", 25, None),
        ("more than 130,000", 130000, "more than"),
        ("More than 130,000", 130000, "more than"),
        ("at least 12", 12, "at least"),
        ("some 12,000", 12000, "about"),
        ("An estimated 500", 500, "about"),
        ("nearly 1.5 million", 1500000, "nearly"),
        ("up to 30", 30, "up to"),
        ("a dozen", 12, None),
        ("Hundreds", None, None),
        ("dozens", None, None),
        ("tens of thousands", None, None),
    ],
)
def test_parse_count(text: str, value: int | None, qualifier: str | None) -> None:
    count = parse_count(text)
    assert (count.value, count.qualifier) == (value, qualifier)


@given(st.integers(min_value=0, max_value=10**9))
def test_digits_with_thousands_separators_round_trip(number: int) -> None:
    assert parse_count(f"{number:,}").value == number


@given(st.text(max_size=60))
def test_never_crashes(text: str) -> None:
    parse_count(text)


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Turkey said 440 fighters died on Wednesday.", ["440"]),
        ("Nearly seven lakh people fled.", ["seven lakh"]),
        ("Police said 12 people were killed and 30 wounded.", ["12", "30"]),
        ("More than 130,000 fled and 1.5 million are homeless.", ["130,000", "1.5 million"]),
        ("Two hundred were hurt and 40-50 are missing.", ["Two hundred", "40-50"]),
        ("In 2019 hundreds of people fled.", ["hundreds"]),
        ("Nobody was hurt.", []),
        ("108 are dead and hundreds of thousands evacuated.", ["108", "hundreds of thousands"]),
        ("As many as 10,000 died.", ["10,000"]),
        ("Two of the 12 were hurt.", ["Two", "12"]),
        ("Of the 300, 40 were children.", ["300", "40"]),
        ("The M23 and COVID-19 killed 40.", ["40"]),
    ],
)
def test_figure_phrases_count_whole_figures(text: str, figures: list[str]) -> None:
    assert [text[a:b] for a, b in figure_phrases(text)] == figures


# (sentence, the count a model copied, the count grounding keeps)
@pytest.mark.parametrize(
    ("text", "copied", "whole"),
    [
        ("108 dead and hundreds of thousands evacuated.", "hundreds", "hundreds of thousands"),
        ("As many as 10,000 people died.", "many as 10,000", "As many as 10,000"),
        ("As many as 10,000 people died.", "10,000", "10,000"),
        ("It forced tens of thousands to flee.", "thousands", "tens of thousands"),
        ("The UN says more than 130,000 fled.", "130,000", "130,000"),  # left out: stays out
        ("The UN says more than 130,000 fled.", "than 130,000", "more than 130,000"),
        ("Rescuers worried about 300 miners.", "300", "300"),  # 'about' is no qualifier here
        ("Of the 300, 40 were children.", "40", "40"),  # two figures, not '300, 40'
        ("On May 12, 40 people died.", "40", "40"),
        ("The M23, 40 of whose fighters escaped, retreated.", "40", "40"),
        ("The UN says more than 130,000 fled.", "more than 130,000", "more than 130,000"),
        ("Some 1.5 million were displaced.", "1.5", "1.5 million"),
        ("Police said 12 people were killed.", "12", "12"),
        ("Police said 12 people were killed.", "12 people", "12 people"),
        ("Two of the 12 were hurt.", "Two", "Two"),  # two figures stay apart
        ("Rescuers said many were hurt.", "many", "many"),
    ],
)
def test_whole_count_widens_a_copied_count_to_its_phrase(
    text: str, copied: str, whole: str
) -> None:
    start = text.index(copied)
    widened = whole_count(text, start, start + len(copied))
    assert text[slice(*widened)] == whole
