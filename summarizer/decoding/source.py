"""A sentence as the decoder sees it: token ids, and which tokens a copied span may start,
end or hold a figure at."""

from __future__ import annotations

import re
from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from summarizer.numbers import count_figures, figure_phrases, separates_digits

# Words a count may have before its figure: 'no fewer than 40', 'tens of thousands'.
COUNT_LEAD_WORDS = 3
_MORE = re.compile(r"\bmore\b", re.IGNORECASE)


@dataclass(frozen=True)
class SpanLimits:
    text_tokens: int = 24
    count_tokens: int = 10
    records: int = 6
    output_tokens: int = 400


# A hyphen inside a word: "dusk-to-dawn", "Kurdish-led", "40-50", "U.S.-led".
_HYPHENATED = re.compile(r"(?<=[\w.])-\w")
# Initials with full stops, one word: "U.N.", "U.S.".
_INITIALS = re.compile(r"\b(?:[A-Za-z]\.){2,}")


class SourceTokens:
    """A sentence as token ids, with what each token may be in a copied span."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, text: str, banned: set[int]) -> None:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        self.text = text
        self.ids: list[int] = list(encoded["input_ids"])
        offsets = [tuple(o) for o in encoded["offset_mapping"]]
        self.offsets: list[tuple[int, int]] = offsets  # type: ignore[assignment]
        self._initials = [m.span() for m in _INITIALS.finditer(text)]
        self.can_start = [self._starts_word(s, e) for s, e in offsets]
        self.can_end = [self._ends_word(s, e) for s, e in offsets]
        self.banned = [i in banned for i in self.ids]
        self.figures = len(figure_phrases(text))
        self.quantity = self._inside(count_figures(text))
        self.more = self._inside([m.span() for m in _MORE.finditer(text)])
        # Span matchers over this text, by shape: the rows of one sentence share them.
        self.matchers: dict[tuple[object, ...], object] = {}

    def _inside(self, spans: list[tuple[int, int]]) -> list[bool]:
        """For each token, whether it overlaps one of the character ``spans``."""
        return [any(s < b and e > a for a, b in spans) for s, e in self.offsets]

    def _cuts_word(self, position: int) -> bool:
        """Whether a boundary before ``position`` cuts a word, a hyphenated word like
        dusk-to-dawn or 40-50, initials like U.N. (before their last stop), or a figure
        like 130,000."""
        text = self.text
        if position <= 0 or position >= len(text):
            return False
        if text[position - 1].isalnum() and text[position].isalnum():
            return True
        if _HYPHENATED.match(text, position) or _HYPHENATED.match(text, position - 1):
            return True
        if any(start < position < end - 1 for start, end in self._initials):
            return True
        return separates_digits(text, position) or separates_digits(text, position - 1)

    def _starts_word(self, start: int, end: int) -> bool:
        piece = self.text[start:end]
        lead = start + len(piece) - len(piece.lstrip())
        return lead < end and self.text[lead].isalnum() and not self._cuts_word(lead)

    def _ends_word(self, start: int, end: int) -> bool:
        piece = self.text[start:end].rstrip()
        last = start + len(piece) - 1
        return last >= start and self.text[last].isalnum() and not self._cuts_word(last + 1)

    def span_ids(self, char_start: int, char_end: int) -> list[int]:
        """Token ids covering ``text[char_start:char_end]``: how a training target copies it."""
        inside = [
            index for index, (s, e) in enumerate(self.offsets) if s < char_end and e > char_start
        ]
        # Whitespace-only tokens (sentencepiece's lone '▁' before digits) count inside a
        # span, where the decoder must copy them too, but not at its edges.
        while inside and not self._has_text(inside[0]):
            inside.pop(0)
        while inside and not self._has_text(inside[-1]):
            inside.pop()
        return [self.ids[index] for index in inside]

    def _has_text(self, index: int) -> bool:
        start, end = self.offsets[index]
        return bool(self.text[start:end].strip())
