from __future__ import annotations

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


def test_offsets_slice_the_original_seed_text() -> None:
    for path in (LONG_SEED, SHORT_SEED):
        text = path.read_text(encoding="utf-8")
        sentences = segment(text, clean(text))
        assert sentences
        for sentence in sentences:
            assert text[sentence.start : sentence.end] == sentence.text
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
def test_any_text_segments_to_slices_of_itself(text: str) -> None:
    for sentence in segment(text, clean(text)):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text.strip() == sentence.text
