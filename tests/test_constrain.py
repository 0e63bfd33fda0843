"""Oracle tests of the copy constraint, on two real tokenizers: the tiny model's byte-level
BPE (built locally) and the shipped model's uncased WordPiece, whose pieces and offsets are
what users run."""

from __future__ import annotations

import pytest
import torch
from transformers import PreTrainedTokenizerBase

from summarizer.backend import HFBackend
from summarizer.decoding.automaton import End, InValue, RowConstraint, State, _AnySpans
from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.processor import CopyConstraintProcessor
from summarizer.decoding.source import SpanLimits
from summarizer.ground import align
from summarizer.schema import Section
from summarizer.target_format import parse_output
from summarizer.training.targets import ContextSpan, target_ids
from tests.conftest import SHIPPED_MODEL

pytestmark = pytest.mark.model

SENTENCE = "Turkey said 440 Kurdish fighters have been killed since the operation began Wednesday."


@pytest.fixture(scope="module", params=["tiny-bpe", "shipped-wordpiece"])
def tokenizer(request: pytest.FixtureRequest) -> PreTrainedTokenizerBase:
    if request.param == "tiny-bpe":
        backend: HFBackend = request.getfixturevalue("tiny_backend")
        return backend.tokenizer
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(SHIPPED_MODEL))


@pytest.fixture(scope="module")
def factory(tokenizer: PreTrainedTokenizerBase) -> ConstraintFactory:
    return ConstraintFactory(tokenizer, SpanLimits())


def _accepts(row: RowConstraint, ids: list[int]) -> bool:
    state = row.initial()
    for used, token in enumerate(ids):
        if token not in row.allowed(state, used):
            return False
        state = row.advance(state, token)
    return isinstance(state, End)


def _target(factory: ConstraintFactory) -> list[int]:
    record = {"count": (12, 15), "who": (16, 32), "outcome": "killed", "according_to": (0, 6)}
    return target_ids(
        factory, "casualties", SENTENCE, [record, {"count": (12, 15), "outcome": "died"}]
    )


def test_training_targets_are_exactly_what_the_decoder_allows(factory: ConstraintFactory) -> None:
    ids = _target(factory)
    assert _accepts(factory.row("casualties", SENTENCE), ids)
    text = factory.tokenizer.decode(ids, skip_special_tokens=True)
    records, failures = parse_output("casualties", text)
    assert failures == []
    assert [r.values["count"] for r in records] == ["440", "440"]
    # An uncased tokenizer decodes lower case; grounding finds the article's own words.
    assert _grounded(records[0].values["who"]) == "Kurdish fighters"
    assert _grounded(records[0].values["according_to"]) == "Turkey"


def _grounded(value: str | None) -> str | None:
    match = None if value is None else align(value, SENTENCE)
    return None if match is None else SENTENCE[match.start : match.end]


def test_none_is_accepted(factory: ConstraintFactory) -> None:
    ids = target_ids(factory, "escapes", SENTENCE, [])
    assert _accepts(factory.row("escapes", SENTENCE), ids)


def _state_at_count(factory: ConstraintFactory) -> tuple[RowConstraint, State, int]:
    row = factory.row("casualties", SENTENCE)
    state = row.initial()
    label = factory.grammars["casualties"].first_label
    for token in label:
        state = row.advance(state, token)
    return row, state, len(label)


@pytest.mark.parametrize("invented", ["943", "95, 946", "4400", "44"])
def test_an_invented_number_cannot_be_written(factory: ConstraintFactory, invented: str) -> None:
    row, state, used = _state_at_count(factory)
    invented_ids = factory.tokenizer(f" {invented}", add_special_tokens=False)["input_ids"]
    accepted = True
    for token in invented_ids:
        if token not in row.allowed(state, used):
            accepted = False
            break
        state = row.advance(state, token)
        used += 1
    if accepted:  # a prefix of a real figure may be typed, but it cannot end there
        assert isinstance(state, InValue)
        assert not row.matchers[0].complete(state.value)


def test_a_count_must_hold_a_number(factory: ConstraintFactory) -> None:
    row, state, used = _state_at_count(factory)
    for token in factory.tokenizer(" Kurdish fighters", add_special_tokens=False)["input_ids"]:
        if token not in row.allowed(state, used):
            return
        state = row.advance(state, token)
        used += 1
    assert isinstance(state, InValue)
    assert not row.matchers[0].complete(state.value)


COUNT_SHAPES = "In 2016 a storm left no fewer than 40 people dead, dozens more hurt and 12 missing."


@pytest.mark.parametrize(
    ("count", "allowed"),
    [
        ("no fewer than 40", True),
        ("40", True),
        ("dozens more", True),
        ("12", True),
        ("2016", False),  # a year is not a count
        ("40 people", False),  # a count ends on its figure
        ("a storm left no fewer than 40", False),  # at most three words before the figure
        ("storm left no fewer than 40", False),
    ],
)
def test_count_span_shapes(tokenizer: PreTrainedTokenizerBase, count: str, allowed: bool) -> None:
    # Room for long spans, so only the shape of a count limits it (the tiny tokenizer is
    # nearly character-level).
    factory = ConstraintFactory(tokenizer, SpanLimits(count_tokens=60))
    row = factory.row("casualties", COUNT_SHAPES)
    state = row.initial()
    for token in factory.grammars["casualties"].first_label:
        state = row.advance(state, token)
    used = len(factory.grammars["casualties"].first_label)
    start = COUNT_SHAPES.index(count)
    written = True
    for token in factory.source(COUNT_SHAPES).span_ids(start, start + len(count)):
        if token not in row.allowed(state, used):
            written = False
            break
        state = row.advance(state, token)
        used += 1
    complete = written and row.matchers[0].complete(state.value)
    assert complete is allowed


def test_a_record_is_only_started_when_it_fits(tokenizer: PreTrainedTokenizerBase) -> None:
    tight = ConstraintFactory(tokenizer, SpanLimits(output_tokens=200))
    grammar = tight.grammars["casualties"]
    row = tight.row("casualties", SENTENCE)
    ids = target_ids(tight, "casualties", SENTENCE, [{"count": (12, 15), "outcome": "killed"}])
    state = row.initial()
    for token in ids[:-1]:
        state = row.advance(state, token)
    late = 200 - grammar.record_cost
    assert grammar.labels[0][0] in row.allowed(state, len(ids) - 1)
    assert row.allowed(state, late) == {grammar.eos}


TWO_FIGURES = "Police said 12 people were killed and 30 were wounded."


def _scores_after(
    factory: ConstraintFactory, section: Section, sentence: str, prefix: list[int]
) -> torch.Tensor:
    """The processor's scores for the next token after ``prefix``, from all-zero logits."""
    processor = CopyConstraintProcessor([factory.row(section, sentence)], record_bias=1.5)
    scores = torch.zeros(1, len(factory.tokenizer))
    return processor(torch.tensor([[0, *prefix]]), scores)[0]  # type: ignore[arg-type]


# (section, sentence, records already written, whether another record is favoured)
@pytest.mark.parametrize(
    ("section", "sentence", "records", "favoured"),
    [
        ("casualties", TWO_FIGURES, 1, True),  # 30 is still unclaimed
        ("casualties", TWO_FIGURES, 2, False),  # as many records as figures
        ("casualties", SENTENCE, 1, False),  # one figure, one record
        ("orders", TWO_FIGURES, 1, False),  # orders carry no count
    ],
)
def test_record_bias_favours_another_record_only_while_figures_are_unclaimed(
    factory: ConstraintFactory, section: Section, sentence: str, records: int, favoured: bool
) -> None:
    record: dict[str, str | tuple[int, int]] = (
        {"count": (12, 14), "outcome": "killed"}
        if section == "casualties"
        else {"kind": "other", "requires": (0, 6)}
    )
    prefix = target_ids(factory, section, sentence, [record] * records)[:-1]
    scores = _scores_after(factory, section, sentence, prefix)
    grammar = factory.grammars[section]
    assert scores[grammar.eos] == 0.0
    assert scores[grammar.labels[0][0]] == (1.5 if favoured else 0.0)
    assert scores.isfinite().sum() >= 2  # the bias only shifts, it never forbids


HYPHENS = (
    "A dusk-to-dawn curfew held and 40-50 died north - east of Goma, the U.N. said of "
    "U.S.-led raids."
)


# (phrase of HYPHENS, whether a copied value may start there, whether it may end there)
@pytest.mark.parametrize(
    ("phrase", "starts", "ends"),
    [
        ("dusk-to-dawn", True, True),
        ("dusk", True, False),  # a hyphenated word is one word
        ("to-dawn", False, True),
        ("dawn", False, True),
        ("40-50", True, True),
        ("50", False, True),
        ("40", True, False),
        ("north", True, True),  # a spaced dash separates words
        ("east", True, True),
        ("the U.N", True, True),  # initials are one word, copied up to their last letter
        ("the U", True, False),
        ("N. said", False, True),
        ("U.S.-led raids", True, True),
        ("led raids", False, True),
    ],
)
def test_a_copied_value_never_splits_a_hyphenated_word_or_initials(
    factory: ConstraintFactory, phrase: str, starts: bool, ends: bool
) -> None:
    source = factory.source(HYPHENS)
    begin = HYPHENS.index(phrase)
    finish = begin + len(phrase)
    first = next(i for i, (s, e) in enumerate(source.offsets) if s <= begin < e)
    last = next(i for i, (s, e) in enumerate(source.offsets) if s < finish <= e)
    assert (source.can_start[first], source.can_end[last]) == (starts, ends)


CAUGHT = "Eleven were caught by nightfall."
CONTEXT = ("Police in Tamu said 30 inmates broke out of the district jail on Friday.", "")


def test_context_fields_may_copy_from_the_context_and_other_fields_may_not(
    factory: ConstraintFactory,
) -> None:
    before = CONTEXT[0]
    who = ContextSpan(0, before.index("inmates"), before.index("inmates") + len("inmates"))
    record = {"count": (0, 6), "who": who, "recaptured": "yes"}
    ids = target_ids(factory, "escapes", CAUGHT, [record], CONTEXT)
    assert _accepts(factory.row("escapes", CAUGHT, CONTEXT), ids)
    assert not _accepts(factory.row("escapes", CAUGHT), ids)
    records, _ = parse_output("escapes", factory.tokenizer.decode(ids, skip_special_tokens=True))
    assert records[0].values["who"] == "inmates"
    # A count is never read from the context: '30' there cannot be this record's figure.
    thirty = ContextSpan(0, before.index("30"), before.index("30") + 2)
    ids = target_ids(factory, "escapes", CAUGHT, [{"count": thirty}], CONTEXT)
    assert not _accepts(factory.row("escapes", CAUGHT, CONTEXT), ids)


def test_rows_over_the_same_text_share_its_tokens_and_span_matchers(
    factory: ConstraintFactory,
) -> None:
    casualties = factory.row("casualties", SENTENCE)
    displacement = factory.row("displacement", SENTENCE, CONTEXT)
    assert casualties.source is displacement.source
    # count and when (fields 0 and 4 of both sections) read the sentence alone: one matcher.
    assert casualties.matchers[0] is displacement.matchers[0]
    assert casualties.matchers[4] is displacement.matchers[4]
    # who may also come from the context: the sentence's matcher, and the context's.
    who = displacement.matchers[1]
    assert isinstance(who, _AnySpans) and who.sources[0] is casualties.matchers[1]
