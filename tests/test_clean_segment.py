from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.clean import clean
from summarizer.segment import segment
from tests.conftest import LONG_SEED, SHORT_SEED

ARTICLE = """Floods Hit The Valley

Rescuers pulled 12 people from the water (Picture: Reuters).

Officials said 40 homes were flooded. The army was sent in.

Rescuers pulled 12 people from the water (Picture: Reuters).

Officials said 40 homes were flooded.   The army was sent in.

More From Radio One
"""


def _characters(pieces: Iterable[str]) -> str:
    """Every non-space character of ``pieces``, in order: what a split may not lose."""
    return "".join("".join(piece.split()) for piece in pieces)


def _texts(text: str) -> list[str]:
    return [s.text for s in segment(text, clean(text))]


def test_captions_repeats_and_trailers_are_dropped() -> None:
    assert _texts(ARTICLE) == [
        "Floods Hit The Valley",
        "Officials said 40 homes were flooded.",
        "The army was sent in.",
    ]


def test_headline_is_flagged() -> None:
    sentences = segment(ARTICLE, clean(ARTICLE))
    assert [s.headline for s in sentences] == [True, False, False]


def test_seed_sentences_keep_every_kept_character() -> None:
    for path in (LONG_SEED, SHORT_SEED):
        text = path.read_text(encoding="utf-8")
        sentences = segment(text, clean(text))
        assert sentences
        kept = [text[b.start : b.end] for b in clean(text)]
        assert _characters(s.text for s in sentences) == _characters(kept)
        joined = " ".join(s.text for s in sentences)
        assert "(Picture:" not in joined
        assert "More From" not in joined


def test_seed_caption_repeated_line_is_removed_once() -> None:
    text = SHORT_SEED.read_text(encoding="utf-8")
    joined = " ".join(_texts(text))
    assert "American soldiers in Syria" not in joined
    assert joined.count("US Defense Secretary Mark Esper says") == 1


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_segments_into_its_kept_characters_in_order(text: str) -> None:
    blocks = clean(text)
    sentences = segment(text, blocks)
    kept = [text[b.start : b.end] for b in blocks]
    assert _characters(s.text for s in sentences) == _characters(kept)
    for sentence in sentences:
        assert sentence.text and sentence.text.strip() == sentence.text
