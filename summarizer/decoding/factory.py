"""Row constraints for one tokenizer, reusing its literal token ids."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from transformers import PreTrainedTokenizerBase

from summarizer.decoding.automaton import RowConstraint
from summarizer.decoding.grammar import Literals, SectionGrammar
from summarizer.decoding.source import SourceTokens, SpanLimits
from summarizer.fields import SECTION_FIELDS
from summarizer.schema import Section

# Texts whose tokens and span matchers are kept: more than one batch of prompts reads.
SOURCES_KEPT = 2048


class ConstraintFactory:
    """Builds row constraints for one tokenizer, reusing its literal token ids."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, limits: SpanLimits) -> None:
        self.tokenizer = tokenizer
        literals = Literals(tokenizer)
        self.grammars = {
            section: SectionGrammar(section, literals, limits) for section in SECTION_FIELDS
        }
        self._banned = set().union(*(g.separator_starts for g in self.grammars.values()))
        self._source = lru_cache(maxsize=SOURCES_KEPT)(self._tokens)

    def literal_ids(self) -> frozenset[int]:
        """Token ids of the format's fixed pieces, across every section."""
        return frozenset().union(*(g.literal_ids for g in self.grammars.values()))

    def source(self, text: str) -> SourceTokens:
        """The text's tokens, kept for the next rows that read the same text: a sentence
        routed to several sections, or a context shared by neighbouring sentences."""
        return self._source(text)

    def _tokens(self, text: str) -> SourceTokens:
        return SourceTokens(self.tokenizer, text, self._banned)

    def row(self, section: Section, sentence: str, context: Sequence[str] = ()) -> RowConstraint:
        """The constraint of one row; ``context`` texts are copy sources for context fields."""
        around = [self.source(text) for text in context if text]
        return RowConstraint(self.grammars[section], self.source(sentence), around)
