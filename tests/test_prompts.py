from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import TemplateError
from summarizer.prompt import (
    NO_CONTEXT,
    Context,
    available_templates,
    build_prompts,
    contexts,
    mark_acronyms,
    may_hold,
    render,
    render_sentence,
)
from summarizer.schema import SECTIONS
from summarizer.segment import Sentence

GOLDEN = Path(__file__).parent / "golden"
SENTENCE = "Police said 12 people were killed and 300 fled their homes after the order to evacuate."


def _sentence(text: str) -> Sentence:
    return Sentence(index=0, start=0, end=len(text), text=text, headline=False)


BEFORE = "TRIPOLI, Libya (AP) - Fighting spread on Sunday. The UN urged calm."
AFTER = "Aid groups said they could not reach the area."


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("section", SECTIONS)
def test_rendered_prompt_matches_golden(section: str, version: int) -> None:
    context = Context(BEFORE, AFTER)
    rendered = render_sentence(f"extract_{section}", version, SENTENCE, context)
    golden = GOLDEN / f"extract_{section}.v{version}.txt"
    assert rendered + "\n" == golden.read_text(encoding="utf-8")
    assert (BEFORE in rendered.replace("^", "")) is (version >= 4)


def _sentences(*lines: tuple[str, bool]) -> list[Sentence]:
    return [Sentence(i, 0, len(text), text, headline) for i, (text, headline) in enumerate(lines)]


ARTICLE = _sentences(
    ("Curfew In Port Town", True),
    ("Updated 10:05 GMT", True),
    ("A.", False),
    ("B.", False),
    ("C.", False),
    ("D.", False),
)


@pytest.mark.parametrize(
    ("position", "before", "after"),
    [
        (0, "", "Updated 10:05 GMT"),
        (2, "Curfew In Port Town Updated 10:05 GMT", "B."),
        (3, "Curfew In Port Town Updated 10:05 GMT A.", "C."),
        (4, "Curfew In Port Town Updated 10:05 GMT A. B.", "D."),  # headline lines kept
        (5, "Curfew In Port Town Updated 10:05 GMT B. C.", ""),
    ],
)
def test_context_is_the_headline_two_sentences_before_and_one_after(
    position: int, before: str, after: str
) -> None:
    context = contexts(ARTICLE)[position]
    assert (context.before, context.after) == (before, after)
    joined = [s.text for s in context.sentences]
    assert " ".join(joined) == " ".join(filter(None, (before, after)))


def test_prompts_carry_their_sentences_context_from_v4_only() -> None:
    article = _sentences(
        ("Town Under Curfew", True), (SENTENCE, False), ("Nobody was hurt.", False)
    )
    v4 = next(p for p in build_prompts(article, version=4) if p.sentence.index == 1)
    assert v4.text.endswith(f"{SENTENCE} | before: Town Under Curfew | after: Nobody was hurt.")
    v3 = next(p for p in build_prompts(article, version=3) if p.sentence.index == 1)
    assert v3.text.endswith(SENTENCE) and "Curfew" not in v3.text
    alone = render_sentence("extract_casualties", 4, SENTENCE, NO_CONTEXT)
    assert alone.endswith(f"{SENTENCE} | before:  | after:")


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("950 IS supporters fled.", "950 ^IS supporters fled."),
        ("The WHO and US officials", "The ^WHO and ^US officials"),
        ("NAIROBI, Kenya - UNHCR-run camps", "^NAIROBI, Kenya - ^UNHCR-run camps"),
        ("A Reuters count; I saw it; U.S. troops", "A Reuters count; I saw it; U.S. troops"),
    ],
)
def test_acronyms_are_marked_for_an_uncased_model(text: str, marked: str) -> None:
    assert mark_acronyms(text) == marked
    rendered = render("extract_escapes", 3, sentence=text)
    assert rendered.endswith(marked) and text not in rendered.replace(marked, "")


def test_every_section_has_versioned_templates() -> None:
    assert available_templates() == sorted(
        [f"extract_{s}.v{v}.jinja" for s in SECTIONS for v in (1, 2, 3, 4, 5)]
        + ["read_sentence.v6.jinja"]
    )


def test_v6_encoder_input_names_no_section_and_matches_golden() -> None:
    rendered = render_sentence("read_sentence", 6, SENTENCE, Context(BEFORE, AFTER))
    assert rendered + "\n" == (GOLDEN / "read_sentence.v6.txt").read_text(encoding="utf-8")
    assert not any(section in rendered for section in SECTIONS)


@pytest.mark.parametrize(
    ("version", "distinct_inputs", "prefixes"),
    [
        (5, 4, {""}),  # each section has its own instruction
        (6, 1, set(SECTIONS)),  # one input; the section is the decoder's prefix
    ],
)
def test_from_v6_a_sentences_sections_share_one_encoder_input(
    version: int, distinct_inputs: int, prefixes: set[str]
) -> None:
    prompts = build_prompts([_sentence(SENTENCE)], version=version)
    assert {p.section for p in prompts} == set(SECTIONS)  # "fled" reaches escapes too
    assert len({p.text for p in prompts}) == distinct_inputs
    assert {p.decoder_prefix for p in prompts} == prefixes
    assert all(p.decoder_prefix in ("", p.section) for p in prompts)


def test_missing_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateError, match="undefined"):
        render("extract_casualties")


def test_missing_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="not found"):
        render("extract_casualties", version=99, sentence="x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Turkey said 440 Kurdish fighters have been killed.", {"casualties"}),
        ("More than 130,000 Syrians have fled.", {"displacement", "escapes"}),
        ("Hundreds of supporters escaped from a camp.", {"escapes", "displacement"}),
        ("The governor imposed a curfew.", {"orders"}),
        ("Shares rose 3% on Tuesday.", set()),
        # Wordings the third annotation round showed the router missing:
        ("She did not say how many would pull back from the 3,100 troops there.", {"orders"}),
        ("By evening 640 evacuees had registered at the arena.", {"displacement"}),
        ("Four of them were caught on Monday, police said.", {"escapes"}),
        ("The rebels said they had lost only three men.", {"casualties"}),
    ],
)
def test_router(text: str, expected: set[str]) -> None:
    assert {s for s in SECTIONS if may_hold(s, _sentence(text))} == expected


def test_prompts_skip_headlines_and_record_template_versions() -> None:
    headline = Sentence(index=0, start=0, end=10, text="Troops Ordered Out", headline=True)
    prompts = build_prompts([headline, _sentence(SENTENCE)])
    assert {p.section for p in prompts} == {"casualties", "displacement", "escapes", "orders"}
    assert all(p.sentence.text == SENTENCE for p in prompts)
    assert all(p.template.version == 1 for p in prompts)
    assert all(SENTENCE in p.text for p in prompts)
    read = build_prompts([headline, _sentence(SENTENCE)], headlines=True)
    assert {p.sentence.text for p in read} == {"Troops Ordered Out", SENTENCE}
    assert build_prompts([_sentence("Shares rose 3% on Tuesday.")]) == []
    assert len(build_prompts([_sentence("Shares rose 3% on Tuesday.")], route=False)) == 4
