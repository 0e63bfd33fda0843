"""Property tests: the text stages never crash, and every offset slices back to its text."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.clean import clean
from summarizer.fields import SECTION_FIELDS
from summarizer.ground import align, ground_record, normalize
from summarizer.numbers import QUANTITY_WORD, parse_count
from summarizer.schema import GroundedText
from summarizer.segment import segment
from summarizer.target_format import RawRecord, SentenceRecord

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
def test_sentences_split_the_kept_lines_without_losing_a_character(text: str) -> None:
    blocks = clean(text)
    sentences = segment(text, blocks)
    assert [s.index for s in sentences] == list(range(len(sentences)))
    for sentence in sentences:
        assert sentence.text and sentence.text == sentence.text.strip()
    for block in blocks:
        inside = [s for s in sentences if block.start <= s.start and s.end <= block.end]
        assert all(a.end <= b.start for a, b in pairwise(inside))
        kept = "".join(text[block.start : block.end].split())
        assert "".join("".join(s.text.split()) for s in inside) == kept
    assert len(sentences) == sum(
        1 for s in sentences for b in blocks if b.start <= s.start and s.end <= b.end
    )


@SETTINGS
@given(ANY_TEXT)
def test_number_parsing_never_crashes(text: str) -> None:
    parse_count(text)
    for match in QUANTITY_WORD.finditer(text):
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


def _copied_from(grounded: GroundedText, written: str, count: bool) -> bool:
    """Whether the grounded text is the value the model wrote (a count may be widened)."""
    if grounded.alignment == "fuzzy":
        return not any(c.isdigit() for c in written)
    if grounded.alignment == "exact":
        return written in grounded.text if count else grounded.text == written
    wanted, found = normalize(written)[0], normalize(grounded.text)[0]
    return wanted in found if count else wanted == found


@SETTINGS
@given(
    ANY_TEXT,
    st.sampled_from(list(SECTION_FIELDS)),
    st.lists(st.one_of(st.none(), WORDS, NUMBERS, st.text(max_size=15)), min_size=6, max_size=6),
)
def test_every_written_value_is_grounded_in_its_sentence_or_reported(
    text: str, section: str, values: list[str | None]
) -> None:
    """Whatever the model writes, each value is kept as its own copy inside its sentence, or
    listed as dropped: none is lost silently or moved to another sentence."""
    fields = SECTION_FIELDS[section]  # type: ignore[index]
    raw = {
        spec.name: (spec.choices[0] if spec.kind == "choice" else value)
        for spec, value in zip(fields, values, strict=False)
    }
    for sentence in segment(text, clean(text)):
        item = SentenceRecord(RawRecord(section, raw), sentence)  # type: ignore[arg-type]
        record, dropped = ground_record(item, text)
        if record is None:
            assert dropped
            continue
        lost = {d.field for d in dropped}
        for spec in fields:
            written = raw.get(spec.name)
            if spec.kind == "choice" or written is None:
                continue
            name = "count_text" if spec.kind == "count" else spec.name
            grounded = getattr(record, name)
            assert (grounded is None) == (spec.name in lost), (spec.name, written)
            if grounded is not None:
                assert sentence.start <= grounded.start <= grounded.end <= sentence.end
                assert _copied_from(grounded, written, spec.kind == "count"), (written, grounded)
