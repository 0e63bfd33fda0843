"""Property tests: the text stages never crash, and every offset slices back to its text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.clean import clean
from summarizer.fields import SECTION_FIELDS
from summarizer.ground import align, ground_record
from summarizer.numbers import QUANTITY_WORD, parse_count
from summarizer.outformat import RawRecord
from summarizer.parse import SentenceRecord
from summarizer.schema import GroundedText
from summarizer.segment import segment

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_PLAIN_WORDS = (
    "the police said killed fled homes army ordered troops U.S. Mr. Dr. Gen. UN Kano "
    "hundreds dozens nearly more than at least about"
)
WORDS = st.sampled_from(
    [
        *_PLAIN_WORDS.split(),
        "\u201cwe\u201d",
        "it\u2019s",
        "Z\u00fcrich",
        "S\u00e3o Paulo",
        "\u0627\u0644\u0642\u0627\u0647\u0631\u0629",
    ]
)
NUMBERS = st.one_of(
    st.integers(0, 10**7).map(lambda n: f"{n:,}"),
    st.integers(0, 10**4).map(str),
    st.floats(0, 100, allow_nan=False).map(lambda x: f"{x:.1f} million"),
)
PUNCTUATION = st.sampled_from(
    [".", ",", ";", ":", "!", "?", " -", " \u2014", "...", ".\u201d", ")"]
)
BREAKS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u2028"])


@st.composite
def news_like(draw: st.DrawFn) -> str:
    """Text shaped like wire copy: words, figures, marks and line breaks, in any order."""
    pieces = draw(st.lists(st.one_of(WORDS, NUMBERS, PUNCTUATION, BREAKS), max_size=120))
    return "".join(f"{p} " if p.strip() and p[0].isalnum() else p for p in pieces)


ANY_TEXT = st.one_of(st.text(max_size=300), news_like())


@SETTINGS
@given(ANY_TEXT)
def test_clean_keeps_ordered_disjoint_slices(text: str) -> None:
    blocks = clean(text)
    previous_end = 0
    for block in blocks:
        assert previous_end <= block.start < block.end <= len(text)
        assert text[block.start : block.end].strip()
        previous_end = block.end


@SETTINGS
@given(ANY_TEXT)
def test_sentences_are_ordered_stripped_slices(text: str) -> None:
    previous_end = 0
    for number, sentence in enumerate(segment(text, clean(text))):
        assert sentence.index == number
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end


@SETTINGS
@given(ANY_TEXT)
def test_number_parsing_never_crashes(text: str) -> None:
    parse_count(text)
    for match in QUANTITY_WORD.finditer(text):
        assert text[match.start() : match.end()] == match.group()
        parse_count(match.group())


@SETTINGS
@given(
    st.sampled_from(["", "more than ", "at least ", "nearly ", "about ", "up to "]),
    st.integers(0, 10**9),
)
def test_qualified_figures_parse_to_their_value(qualifier: str, number: int) -> None:
    count = parse_count(f"{qualifier}{number:,} people")
    assert count.value == number
    assert (count.qualifier is None) == (qualifier == "")


@SETTINGS
@given(news_like(), st.lists(st.one_of(WORDS, NUMBERS), min_size=1, max_size=6), news_like())
def test_a_planted_span_is_found_exactly(before: str, value_words: list[str], after: str) -> None:
    """Oracle: a value planted between separators is found, and slices back to itself."""
    value = " ".join(value_words)
    text = f"{before} {value} {after}"
    match = align(value, text)
    assert match is not None
    assert match.alignment == "exact"
    assert text[match.start : match.end] == value


@SETTINGS
@given(
    ANY_TEXT,
    st.sampled_from(list(SECTION_FIELDS)),
    st.lists(st.one_of(st.none(), WORDS, NUMBERS, st.text(max_size=15)), min_size=6, max_size=6),
)
def test_grounded_records_only_hold_slices_of_the_article(
    text: str, section: str, values: list[str | None]
) -> None:
    """Whatever the model writes, a grounded record quotes the article at its own offsets."""
    fields = SECTION_FIELDS[section]  # type: ignore[index]
    raw = {
        spec.name: (spec.choices[0] if spec.kind == "choice" else value)
        for spec, value in zip(fields, values, strict=False)
    }
    for sentence in segment(text, clean(text)):
        item = SentenceRecord(RawRecord(section, raw), sentence)  # type: ignore[arg-type]
        record, dropped = ground_record(item, text)
        grounded = (
            [] if record is None else [getattr(record, name) for name in type(record).model_fields]
        )
        for value in grounded:
            if isinstance(value, GroundedText):
                assert text[value.start : value.end] == value.text
                assert sentence.start <= value.start <= value.end <= sentence.end
        for lost in dropped:
            assert lost.value in raw.values()
