"""Grounded records built from sentences written for a test: every value is found in its
sentence, so offsets are true by construction of the article, not of the assertion."""

from __future__ import annotations

from collections.abc import Callable

from summarizer.backend import GenerationRequest
from summarizer.numbers import parse_count
from summarizer.schema import Casualty, GroundedText, Span


def grounded(text: str, value: str, after: int = 0) -> GroundedText:
    start = text.index(value, after)
    return GroundedText(start=start, end=start + len(value), text=value, alignment="exact")


def evidence(text: str) -> Span:
    return Span(start=0, end=len(text), text=text)


def casualty(
    article: str,
    count: str | None,
    outcome: str = "killed",
    sentence: str | None = None,
    **fields: str,
) -> Casualty:
    """A casualty record of ``sentence`` (the whole article by default) inside ``article``."""
    sentence = sentence if sentence is not None else article
    offset = article.index(sentence)
    values: dict[str, object] = {
        name: grounded(article, value, offset) for name, value in fields.items()
    }
    if count is not None:
        parsed = parse_count(count)
        values.update(
            count_text=grounded(article, count, offset),
            count=parsed.value,
            qualifier=parsed.qualifier,
        )
    where = Span(start=offset, end=offset + len(sentence), text=sentence)
    return Casualty(outcome=outcome, evidence=where, **values)  # type: ignore[arg-type]


def answering(answers: dict[tuple[str, str], str]) -> Callable[[GenerationRequest], str]:
    """A scripted model: the answer whose (section, words) matches the request's section and
    a phrase of its sentence, else ``none``."""

    def answer(request: GenerationRequest) -> str:
        for (section, words), text in answers.items():
            if request.section == section and words in request.source:
                return text
        return "none"

    return answer
