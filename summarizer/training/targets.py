"""Training targets: the token ids the constrained decoder would produce for given records,
built from the decoder's own grammar so a model learns exactly what it may later write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.grammar import SectionGrammar
from summarizer.decoding.source import SourceTokens
from summarizer.fields import FieldSpec
from summarizer.schema import Section


@dataclass(frozen=True)
class ContextSpan:
    """A value copied from one of the sentence's context texts: ``text`` indexes them."""

    text: int
    start: int
    end: int


# A record's values: (start, end) character ranges of the sentence for text and counts, a
# ContextSpan for a value from the context, the choice name for choices.
TargetValue = str | tuple[int, int] | ContextSpan
TargetRecord = Mapping[str, TargetValue]


def target_ids(
    factory: ConstraintFactory,
    section: Section,
    sentence: str,
    records: Sequence[TargetRecord],
    context: Sequence[str] = (),
) -> list[int]:
    """Token ids the constrained decoder would produce for these records of ``sentence``
    and its ``context`` texts."""
    grammar = factory.grammars[section]
    sources = [factory.source(text) for text in (sentence, *context)]
    if not records:
        return [*grammar.none, grammar.eos]
    ids: list[int] = []
    for number, record in enumerate(records[: grammar.limits.records]):
        for index, spec in enumerate(grammar.fields):
            first = index == 0 and number == 0
            ids.extend(grammar.first_label if first else grammar.labels[index])
            ids.extend(_value_ids(grammar, sources, spec, record.get(spec.name)))
    return [*ids, grammar.eos]


def _value_ids(
    grammar: SectionGrammar,
    sources: Sequence[SourceTokens],
    spec: FieldSpec,
    value: TargetValue | None,
) -> list[int]:
    if value is None:
        return list(grammar.absent)
    if spec.kind == "choice":
        assert isinstance(value, str)
        return list(grammar.choices[spec.name][spec.choices.index(value)])
    if isinstance(value, ContextSpan):
        span = sources[1 + value.text].span_ids(value.start, value.end)
    else:
        assert isinstance(value, tuple)
        span = sources[0].span_ids(*value)
    return span if span else list(grammar.absent)
