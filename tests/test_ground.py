from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.ground import align, ground_record, normalize
from summarizer.segment import Sentence
from summarizer.target_format import RawRecord, SentenceRecord

FILLER = [
    "the",
    "of",
    "and",
    "officials",
    "said",
    "on",
    "a",
    "in",
    "with",
    "after",
    "during",
    "heavy",
    "clashes",
    "near",
    "town",
]


def _planted(rng: random.Random, value: str) -> tuple[str, int]:
    before = " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 12)))
    after = " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 12)))
    prefix = f"{before} " if before else ""
    return f"{prefix}{value} {after}".strip(), len(prefix)


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("value", ["440 Kurdish fighters", "Jelal Ayaf", "more than 130,000"])
def test_planted_span_is_found_exactly(seed: int, value: str) -> None:
    text, start = _planted(random.Random(seed), value)
    match = align(value, text)
    assert match is not None
    assert (match.start, match.end, match.alignment) == (start, start + len(value), "exact")


@pytest.mark.parametrize(
    ("value", "text", "expected", "alignment"),
    [
        (
            "kurdish fighters",
            "Turkey said 440 Kurdish fighters died.",
            "Kurdish fighters",
            "normalized",
        ),
        ("so-called IS", "against so-called\u00a0IS forces", "so-called\u00a0IS", "normalized"),
        ("more than 100, 000", "says more than 100,000 people", "more than 100,000", "normalized"),
        ("u. s. military", "a U.S. military official", "U.S. military", "normalized"),
        (
            "Syrian Democratic Force",
            "the Syrian Democratic Forces said",
            "Syrian Democratic Forces",
            "fuzzy",
        ),
    ],
)
def test_normalized_and_fuzzy_alignment(
    value: str, text: str, expected: str, alignment: str
) -> None:
    match = align(value, text)
    assert match is not None
    assert (text[match.start : match.end], match.alignment) == (expected, alignment)


FIGURES = "The UN said more than 130,000 people of the 3rd district have fled since Monday."


# A value one digit off the article's figure: close enough for a fuzzy match to take it
# (every value here scores above FUZZY_MIN_SCORE against its sentence), yet a number must
# be found verbatim, so grounding drops it instead.
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", "more than 130,001"),
        ("count", "more than 180,000"),
        ("who", "people of the 5rd district"),
        ("according_to", "The UN said more than 130,00"),
    ],
)
def test_a_number_one_digit_off_is_dropped_not_matched_fuzzily(field: str, value: str) -> None:
    sentence = Sentence(0, 7, 7 + len(FIGURES), FIGURES, False)
    article = "Floods\n" + FIGURES
    values = {"count": "more than 130,000", "who": "people", "according_to": "The UN"}
    raw = RawRecord("displacement", {**values, field: value, "origin": None, "when": None})
    record, dropped = ground_record(SentenceRecord(raw, sentence), article)
    assert [(d.field, d.value, d.reason) for d in dropped] == [
        (field, value, "number not found verbatim in its sentence")
    ]
    assert record is not None
    kept = {name: getattr(record, name) for name in ("count_text", "who", "according_to")}
    lost = "count_text" if field == "count" else field
    assert [name for name, grounded in kept.items() if grounded is None] == [lost]


def test_invented_number_is_dropped_and_reported() -> None:
    sentence = Sentence(0, 100, 150, "Turkey said 440 Kurdish fighters have been killed.", False)
    article = " " * 100 + sentence.text
    raw = RawRecord(
        "casualties",
        {
            "count": "943",
            "who": "Kurdish fighters",
            "outcome": "killed",
            "according_to": "Turkey",
            "when": None,
        },
    )
    record, dropped = ground_record(SentenceRecord(raw, sentence), article)
    assert record is not None
    assert record.count is None and record.count_text is None  # type: ignore[attr-defined]
    assert [(d.field, d.value, d.reason) for d in dropped] == [
        ("count", "943", "number not found verbatim in its sentence")
    ]
    who = record.who  # type: ignore[attr-defined]
    assert article[who.start : who.end] == "Kurdish fighters"


def test_a_count_cut_short_is_grounded_as_its_whole_phrase() -> None:
    text = "Floods left 108 dead, and hundreds of thousands were evacuated."
    sentence = Sentence(0, 10, 10 + len(text), text, False)
    article = " " * 10 + text
    values = {"count": "hundreds", "who": None, "origin": None, "according_to": None}
    raw = RawRecord("displacement", {**values, "when": None})
    record, dropped = ground_record(SentenceRecord(raw, sentence), article)
    assert record is not None and not dropped
    count_text = record.count_text  # type: ignore[attr-defined]
    assert article[count_text.start : count_text.end] == "hundreds of thousands"
    assert count_text.text == "hundreds of thousands"


def test_missing_required_value_drops_the_record() -> None:
    sentence = Sentence(0, 0, 30, "The mayor ordered a curfew.", False)
    raw = RawRecord(
        "orders",
        {
            "kind": "curfew",
            "issued_by": "The mayor",
            "binds": None,
            "requires": "a total blackout",
            "effective": None,
            "announced_by": None,
        },
    )
    record, dropped = ground_record(SentenceRecord(raw, sentence), sentence.text)
    assert record is None
    assert dropped[0].field == "requires"


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=80), st.text(min_size=1, max_size=20))
def test_alignment_offsets_always_slice_the_text(text: str, value: str) -> None:
    match = align(value, text)
    if match is not None:
        assert 0 <= match.start <= match.end <= len(text)
        if match.alignment == "exact":
            assert text[match.start : match.end] == value
        if match.alignment == "normalized":
            assert normalize(text[match.start : match.end])[0] == normalize(value)[0]


@pytest.mark.parametrize(
    ("text", "count", "who", "kept"),
    [
        ("No Americans were hurt in the attack.", None, "Americans", False),
        ("Nobody was killed in the blast, police said.", None, "Nobody", False),
        ("Not a single resident fled the village.", None, "resident", False),
        ("None of the inmates escaped, the warden said.", None, "inmates", False),
        ("Two Americans were hurt in the attack.", "Two", "Americans", True),
        ("Americans were hurt, and no deaths were reported.", None, "Americans", True),
        ("Residents of Nogales fled the fire.", None, "Residents of Nogales", True),
        ("The woman was not hurt, police said.", None, "The woman", False),
        ("The guards weren't injured in the scuffle.", None, "The guards", False),
        ("The driver escaped injury when the bus overturned.", None, "The driver", False),
        ("The driver was taken to hospital and was not released.", None, "The driver", True),
    ],
)
def test_denied_people_are_not_reported(text: str, count: str | None, who: str, kept: bool) -> None:
    sentence = Sentence(0, 4, 4 + len(text), text, False)
    article = "No. " + text  # a denial in the sentence before must not count
    raw = RawRecord("casualties", {"count": count, "who": who, "outcome": "wounded"})
    record, dropped = ground_record(SentenceRecord(raw, sentence), article)
    assert (record is not None) == kept
    if not kept:
        assert [(d.field, d.reason) for d in dropped] == [("who", "negated in its sentence")]


@pytest.mark.parametrize(
    ("text", "requires", "kept"),
    [
        (
            "The soldiers have not been ordered to leave the valley entirely.",
            "to leave the valley entirely",
            False,
        ),
        ("The mayor did not order residents to evacuate.", "to evacuate", False),
        (
            "There was no evacuation order for residents to leave the coast.",
            "to leave the coast",
            False,
        ),
        ("The mayor ordered residents to evacuate.", "to evacuate", True),
        ("Police did not say why, but ordered shops to close.", "to close", True),
        ("The mayor did not hesitate and told residents to leave.", "to leave", True),
    ],
)
def test_denied_orders_are_not_reported(text: str, requires: str, kept: bool) -> None:
    sentence = Sentence(0, 0, len(text), text, False)
    raw = RawRecord("orders", {"kind": "evacuation", "requires": requires})
    record, dropped = ground_record(SentenceRecord(raw, sentence), text)
    assert (record is not None) == kept
    if not kept:
        assert [(d.field, d.reason) for d in dropped] == [("requires", "negated in its sentence")]


def _article(*texts: str) -> tuple[str, list[Sentence]]:
    sentences, start = [], 0
    for index, text in enumerate(texts):
        sentences.append(Sentence(index, start, start + len(text), text, False))
        start += len(text) + 1
    return " ".join(texts), sentences


@pytest.mark.parametrize(
    ("values", "grounded", "dropped"),
    [
        # who and source from the sentences before: offsets into those sentences.
        (
            {"who": "inmates", "according_to": "Police in Tamu"},
            {"who": (0, "inmates"), "according_to": (0, "Police in Tamu")},
            [],
        ),
        # The nearest mention wins: 'the guards' is one sentence away, before and after; the
        # one before comes first.
        ({"who": "the guards"}, {"who": (1, "the guards")}, []),
        # A word of the sentence itself is grounded there, not in its context.
        ({"who": "Eleven"}, {"who": (2, "Eleven")}, []),
        # Not in the window: dropped, and the reason says where it was looked for.
        ({"who": "sailors"}, {}, [("who", "not found in its sentence or its context")]),
        # Fuzzy copies are not context values: the decoder copies those exactly.
        ({"who": "inmate"}, {}, [("who", "not found in its sentence or its context")]),
    ],
)
def test_context_values_are_grounded_in_the_nearest_context_sentence(
    values: dict[str, str],
    grounded: dict[str, tuple[int, str]],
    dropped: list[tuple[str, str]],
) -> None:
    article, sentences = _article(
        "Police in Tamu said 30 inmates broke out of the district jail.",
        "Three of them had overpowered the guards with knives.",
        "Eleven were caught by nightfall.",
        "Two of the guards were hurt.",
    )
    caught = sentences[2]
    raw = RawRecord("escapes", {"count": "Eleven", "origin": None, "recaptured": "yes", **values})
    around = (sentences[0], sentences[1], sentences[3])
    record, lost = ground_record(SentenceRecord(raw, caught, around), article)
    assert record is not None
    for name, (index, text) in grounded.items():
        value = getattr(record, name)
        where = sentences[index]
        assert (value.text, where.start <= value.start, value.end <= where.end) == (
            text,
            True,
            True,
        )
        assert article[value.start : value.end] == text
    assert [(d.field, d.reason) for d in lost] == dropped


def test_only_context_fields_are_looked_up_in_the_context() -> None:
    article, sentences = _article("Officials imposed a curfew on Friday.", "It was lifted.")
    raw = RawRecord("orders", {"kind": "curfew", "requires": "a curfew"})
    record, lost = ground_record(SentenceRecord(raw, sentences[1], (sentences[0],)), article)
    assert record is None
    assert [(d.field, d.reason) for d in lost] == [("requires", "not found in its sentence")]
