"""Training targets: the token ids the constrained decoder would produce for given records,
built from the decoder's own grammar so a model learns exactly what it may later write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.grammar import SectionGrammar
from summarizer.decoding.source import SourceTokens
from summarizer.fields import FieldSpec
from summarizer.schema import Section

# A record's values: (start, end) character ranges of the sentence for text and counts, the
# choice name for choices.
TargetRecord = Mapping[str, str | tuple[int, int]]


def target_ids(
    factory: ConstraintFactory, section: Section, sentence: str, records: Sequence[TargetRecord]
) -> list[int]:
    """Token ids the constrained decoder would produce for these records of ``sentence``."""
    grammar = factory.grammars[section]
    source = factory.source(sentence)
    if not records:
        return [*grammar.none, grammar.eos]
    ids: list[int] = []
    for number, record in enumerate(records[: grammar.limits.records]):
        for index, spec in enumerate(grammar.fields):
            first = index == 0 and number == 0
            ids.extend(grammar.first_label if first else grammar.labels[index])
            ids.extend(_value_ids(grammar, source, spec, record.get(spec.name)))
    return [*ids, grammar.eos]


def _value_ids(
    grammar: SectionGrammar,
    source: SourceTokens,
    spec: FieldSpec,
    value: str | tuple[int, int] | None,
) -> list[int]:
    if value is None:
        return list(grammar.absent)
    if spec.kind == "choice":
        assert isinstance(value, str)
        return list(grammar.choices[spec.name][spec.choices.index(value)])
    assert isinstance(value, tuple)
    span = source.span_ids(*value)
    return span if span else list(grammar.absent)
