"""Hand annotations of training articles, and the checks that keep them usable.

Usage:
    python -m summarizer.annotations show lee_background 12   # numbered sentences
    python -m summarizer.annotations sentences < ARTICLE.txt  # how the segmenter splits a text
    python -m summarizer.annotations check FILE.jsonl [...]   # validate files and reading rules
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarizer.clean import clean
from summarizer.fields import CONTEXT_FIELDS, SECTION_FIELDS
from summarizer.numbers import QUANTITY_WORD, figure_phrases
from summarizer.prompt import CONTEXT_AFTER, CONTEXT_BEFORE
from summarizer.rules import non_count_kind
from summarizer.schema import Section
from summarizer.segment import Sentence, segment

LEE_FILES = {"lee_background": "lee_background.cor", "lee": "lee.cor"}


class AnnotatedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section: Section
    evidence: str
    fields: dict[str, str]
    # Values copied from the context sentences rather than the evidence (guide rule 24).
    context: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fields_known(self) -> AnnotatedFact:
        specs = {spec.name: spec for spec in SECTION_FIELDS[self.section]}
        for name, value in self.fields.items():
            spec = specs.get(name)
            if spec is None:
                raise ValueError(f"{self.section} has no field {name!r}")
            if spec.kind == "choice" and value not in spec.choices:
                raise ValueError(f"{name}={value!r} is not one of {spec.choices}")
            if spec.kind != "choice" and value not in self.evidence:
                raise ValueError(f"{name}={value!r} is not copied from the evidence sentence")
            if spec.kind == "count" and not QUANTITY_WORD.search(value):
                raise ValueError(f"count {value!r} holds no number or quantity word")
            if spec.kind != "choice" and value != value.strip(" ,.;:"):
                raise ValueError(f"{name}={value!r} starts or ends on punctuation or space")
        for spec in specs.values():
            if spec.required and spec.name not in self.fields:
                raise ValueError(f"{self.section} needs field {spec.name!r}")
        for name, value in self.context.items():
            if name not in specs or name not in CONTEXT_FIELDS:
                raise ValueError(f"{self.section} field {name!r} cannot come from context")
            if name in self.fields:
                raise ValueError(f"{name} is given both in fields and in context")
            if value != value.strip(" ,.;:"):
                raise ValueError(f"{name}={value!r} starts or ends on punctuation or space")
        return self


class AnnotatedArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corpus: str
    index: int | None = None
    id: str | None = None
    text: str | None = None
    split: str = "train"
    facts: list[AnnotatedFact]
    # Killed and wounded in the incident by the guide's "Casualty totals" rules, where coded.
    totals: dict[Literal["killed", "wounded"], Annotated[int, Field(ge=0)]] | None = None


@lru_cache(maxsize=2)
def lee_articles(corpus: str) -> tuple[str, ...]:
    """Articles of gensim's Lee corpus, read from the installed package."""
    import gensim  # training extra only

    path = Path(gensim.__file__).parent / "test" / "test_data" / LEE_FILES[corpus]
    return tuple(path.read_bytes().decode("latin-1").splitlines())


def article_text(item: AnnotatedArticle) -> str:
    if item.corpus in LEE_FILES:
        if item.index is None:
            raise ValueError("a Lee corpus annotation needs its index")
        return lee_articles(item.corpus)[item.index]
    if item.text is None:
        raise ValueError("a synthetic annotation carries its own text")
    return item.text


def sentences_of(text: str) -> list[Sentence]:
    return [s for s in all_sentences_of(text) if not s.headline]


def all_sentences_of(text: str) -> list[Sentence]:
    """Every sentence, headline lines included (the context of the first body sentences)."""
    return segment(text, clean(text))


def load_annotations(path: Path) -> list[AnnotatedArticle]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(AnnotatedArticle.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return items


# Reading rules that can be checked mechanically (ANNOTATION_GUIDE.md, "Reading rules (fourth
# round)"). Each check names its rule; a problem reads "[rule] what is wrong".

_YEAR_ONLY = re.compile(r"(?:18|19|20)\d\d")
_PEOPLE_NEXT = re.compile(
    r"\s+(?:people|persons|residents|families|households|refugees|inmates|prisoners|detainees"
    r"|civilians|soldiers|troops|villagers|migrants|children|men|women|workers|passengers)\b"
)
_UNIT_IN_VALUE = re.compile(r"%|\bper ?cent\b|[$£€]|\b[ap]\.m\.|-year-old\b", re.I)

PRONOUNS = frozenset(
    {"he", "she", "they", "it", "them", "we", "us", "his", "her", "their", "him", "i", "you"}
)
PERSON_FIELDS = ("who", "according_to", "issued_by", "announced_by", "binds")

# A hedge or forecast within three words before a figure ("could reach", "feared", "will"),
# or right after it ("may have died", "are feared drowned", "presumed dead").
_HEDGE_BEFORE = re.compile(
    r"\b(?:could|may|might|feared|fears?|will|would|expected to|likely to)\b"
)
_HEDGE_AFTER = re.compile(
    r"^\W*(?:[\w-]+\s+){0,2}?(?:(?:may|might|could|would)\s+(?:have|be)\b"
    r"|(?:are|is|were|was)\s+(?:feared|presumed)\b|(?:feared|presumed)\s+(?:dead|killed|drowned)\b)"
)
# A figure that the sentence says was recaptured, or is still at large: "recaptured 42",
# "nine of them had been caught", "11 of whom have since been rearrested", "two remain at large".
_GAVE_THEMSELVES_UP = r"(?:turned|handed) (?:themselves|himself|herself) in"
_BACK_IN_CUSTODY = (
    r"recaptured|re-?arrested|caught|arrested|located|found(?!\s+(?:missing|dead))|picked up"
    rf"|brought back|taken (?:back )?into custody|{_GAVE_THEMSELVES_UP}"
)
_PART_OF = (
    r"(?:\s+\(\d+\))?(?:\s+of\s+(?:the|those|them|whom|its|their)\b(?:\s+[\w-]+){0,3}?)?"
    r"(?:\s+[\w-]+){0,2}?"
)
# After the figure: "recaptured" or "re-arrested" alone, any other verb after an auxiliary
# ("were caught"), so that "two commanders arrested in March" is no recapture.
_RECAPTURED_AFTER = re.compile(
    rf"^{_PART_OF}\s+(?:(?:had|have|has|were|was|are|is)\s+)?(?:since\s+|already\s+|later\s+)?"
    rf"(?:been\s+)?(?:recaptured|re-?arrested|{_GAVE_THEMSELVES_UP})\b"
    rf"|^{_PART_OF}\s+(?:had|have|has|were|was|are|is)\s+(?:since\s+|already\s+|later\s+)?"
    rf"(?:been\s+)?(?:{_BACK_IN_CUSTODY})\b"
)
_RECAPTURED_BEFORE = re.compile(rf"\b(?:{_BACK_IN_CUSTODY})\s+(?:some\s+|another\s+)?$")
_AT_LARGE_AFTER = re.compile(
    rf"^{_PART_OF}\s+(?:(?:remain|remains|remained|were|are|is|was)\s+)?(?:still\s+)?"
    r"(?:at large|on the run|being hunted|missing)\b"
)
# "None of the three had been found": the three are still at large.
_NONE_OF = re.compile(r"\bnone of (?:the |those |them )?(?:other |remaining )?$", re.I)
# The whole a part is taken from: "six of the 11", "of the 23 who escaped".
_WHOLE_OF = re.compile(r"\bof (?:the |those |its |their )?(?:other |remaining )?$", re.I)
# Words of custody or rescue that make a figure no casualty, up to the next "and" or figure
# of its clause ("37 people had been arrested"; not "killed 12 and captured five").
_ARREST_WORD = re.compile(
    r"\b(?:arrested|detained|surrendered|captured|taken into custody|rescued|held)\b", re.I
)
_CASUALTY_WORD = re.compile(
    r"\b(?:kill|dead|die|death|wound|injur|hurt|missing|bod(?:y|ies)|shot|drown|casualt|treated"
    r"|hospital)",
    re.I,
)


def occurrences(value: str, evidence: str) -> list[tuple[int, int]]:
    """Spans of ``value`` in ``evidence`` as a whole phrase (not '4' inside '14' or '4.5')."""
    pattern = r"(?<![\w,.])" + re.escape(value) + r"(?![\w]|[,.]\d)"
    return [m.span() for m in re.finditer(pattern, evidence)]


def non_count_reading(evidence: str, start: int, end: int) -> str | None:
    """What the figure at ``evidence[start:end]`` is when it is no count of people, else None:
    the pipeline's own reading rule (``rules.non_count_kind``), so both read alike."""
    return non_count_kind(evidence, start, end)


def _counts_people(fact: AnnotatedFact, value: str) -> bool:
    """Whether a four-digit figure is followed by the people it counts ('1900 residents')."""
    return any(
        _PEOPLE_NEXT.match(fact.evidence, end) for _, end in occurrences(value, fact.evidence)
    )


def count_not_a_count(fact: AnnotatedFact) -> list[str]:
    """A count that is an age, time, date, year, price, percentage, distance or address."""
    value = fact.fields.get("count")
    if value is None:
        return []
    digits = re.findall(r"\d[\d,.]*", value)
    if len(digits) == 1 and _YEAR_ONLY.fullmatch(digits[0]) and not _counts_people(fact, value):
        return [f"count {value!r} is a year"]
    if _UNIT_IN_VALUE.search(value):
        return [f"count {value!r} carries a unit: it counts no people"]
    readings = [
        non_count_reading(fact.evidence, *span) for span in occurrences(value, fact.evidence)
    ]
    if readings and all(readings):
        return [f"count {value!r} is {readings[0]} in its evidence"]
    return []


def pronoun_value(fact: AnnotatedFact) -> list[str]:
    """A pronoun as the whole value of a person field: use the antecedent or leave it out."""
    return [
        f"{name}={value!r} is a pronoun"
        for name, value in {**fact.fields, **fact.context}.items()
        if name in PERSON_FIELDS and value.lower() in PRONOUNS
    ]


def _hedged(evidence: str, start: int, end: int) -> bool:
    words_before = " ".join(evidence[:start].split()[-3:])
    return bool(_HEDGE_BEFORE.search(words_before) or _HEDGE_AFTER.match(evidence[end:]))


def hedged_count(fact: AnnotatedFact) -> list[str]:
    """A figure the sentence hedges or forecasts ('could reach 20,000', 'may have died')."""
    value = fact.fields.get("count")
    if value is None:
        return []
    spans = occurrences(value, fact.evidence)
    if spans and all(_hedged(fact.evidence, *span) for span in spans):
        return [f"count {value!r} is hedged or forecast in its evidence"]
    return []


def arrest_as_casualty(fact: AnnotatedFact) -> list[str]:
    """A casualty count whose own clause says arrested, detained, surrendered or rescued, with
    no word of death or injury in that clause."""
    value = fact.fields.get("count")
    if fact.section != "casualties" or value is None:
        return []
    for _, end in occurrences(value, fact.evidence):
        clause = re.split(r"[,;.]", fact.evidence[end:], maxsplit=1)[0]
        own_words = re.split(r"\band\b|\d", clause, maxsplit=1)[0]
        if _ARREST_WORD.search(own_words) and not _CASUALTY_WORD.search(clause):
            return [f"count {value!r} is of people arrested, detained or rescued, not casualties"]
    return []


def escape_also_displacement(facts: list[AnnotatedFact]) -> list[str]:
    """One figure of one sentence annotated both as an escape and as displacement."""
    escaped = {
        (f.evidence, f.fields["count"])
        for f in facts
        if f.section == "escapes" and "count" in f.fields
    }
    return [
        f"count {f.fields['count']!r} is both an escape and displacement: {f.evidence[:60]!r}"
        for f in facts
        if f.section == "displacement" and (f.evidence, f.fields.get("count")) in escaped
    ]


def _recapture_figures(sentence: str) -> list[tuple[str, str]]:
    """(figure, 'yes'/'no') for each figure the sentence says was recaptured or is at large."""
    found = []
    for start, end in figure_phrases(sentence):
        before, after = sentence[:start], sentence[end:]
        restated = before.endswith("(") and after.startswith(")")  # "five (5)"
        if _NONE_OF.search(before):
            found.append((sentence[start:end], "no"))
        elif restated or non_count_reading(sentence, start, end) or _WHOLE_OF.search(before):
            continue
        elif _RECAPTURED_AFTER.match(after) or _RECAPTURED_BEFORE.search(before):
            found.append((sentence[start:end], "yes"))
        elif _AT_LARGE_AFTER.match(after):
            found.append((sentence[start:end], "no"))
    return found


def recapture_without_count(facts: list[AnnotatedFact]) -> list[str]:
    """In a sentence with escape facts, a recaptured (or still at large) figure is the count of
    an escape fact of its own with ``recaptured`` yes (or no)."""
    found = []
    for evidence in dict.fromkeys(f.evidence for f in facts if f.section == "escapes"):
        escapes = [f for f in facts if f.section == "escapes" and f.evidence == evidence]
        for figure, recaptured in _recapture_figures(evidence):
            if not any(
                occurrences(figure, f.fields.get("count", ""))
                and f.fields.get("recaptured") == recaptured
                for f in escapes
            ):
                found.append(
                    f"figure {figure!r} (recaptured: {recaptured}) has no escape fact of its own:"
                    f" {evidence[:60]!r}"
                )
    return found


FactRule = Callable[[AnnotatedFact], list[str]]
ArticleRule = Callable[[list[AnnotatedFact]], list[str]]
FACT_RULES: dict[str, FactRule] = {
    "not-a-count": count_not_a_count,
    "pronoun": pronoun_value,
    "hedged": hedged_count,
    "arrested": arrest_as_casualty,
}
ARTICLE_RULES: dict[str, ArticleRule] = {
    "escape-and-displacement": escape_also_displacement,
    "recapture": recapture_without_count,
}


def rule_problems(facts: list[AnnotatedFact]) -> list[str]:
    """Every reading-rule problem of one article's facts, each as '[rule] what is wrong'."""
    found = [
        f"[{name}] {problem}"
        for fact in facts
        for name, rule in FACT_RULES.items()
        for problem in rule(fact)
    ]
    found += [
        f"[{name}] {problem}" for name, rule in ARTICLE_RULES.items() for problem in rule(facts)
    ]
    return found


def context_sentences(sentences: list[Sentence], evidence: str) -> list[str]:
    """The headline lines and the sentences around each body sentence reading ``evidence``."""
    around: list[str] = [s.text for s in sentences if s.headline]
    body = [s.text for s in sentences if not s.headline]
    for at, text in enumerate(body):
        if text == evidence:
            around += body[max(0, at - CONTEXT_BEFORE) : at] + body[at + 1 : at + 1 + CONTEXT_AFTER]
    return around


def context_problems(fact: AnnotatedFact, sentences: list[Sentence]) -> list[str]:
    around = context_sentences(sentences, fact.evidence)
    return [
        f"context {name}={value!r} is in neither the headline nor the {CONTEXT_BEFORE} sentences"
        f" before or {CONTEXT_AFTER} after the evidence"
        for name, value in fact.context.items()
        if not any(occurrences(value, sentence) for sentence in around)
    ]


def problems(item: AnnotatedArticle) -> list[str]:
    found = []
    text = article_text(item)
    # A headline line is evidence too: its figure ("Killed 1, Injured 6") is a fact of its own.
    sentences = segment(text, clean(text))
    sentence_texts = {s.text for s in sentences}
    for fact in item.facts:
        if fact.evidence not in sentence_texts:
            found.append(
                f"evidence is not one whole sentence or headline line of the article: "
                f"{fact.evidence!r}"
            )
        found += context_problems(fact, sentences)
    return found + rule_problems(item.facts)


def _check(paths: list[str]) -> int:
    bad = 0
    seen: set[tuple[str, int | str | None]] = set()
    totals: dict[str, int] = {}
    articles = 0
    by_rule: Counter[str] = Counter()
    for name in paths:
        try:
            items = load_annotations(Path(name))
        except ValueError as exc:
            print(exc)
            bad += 1
            continue
        for item in items:
            key = (item.corpus, item.index if item.index is not None else item.id)
            if key in seen:
                print(f"{name}: {key} annotated twice")
                bad += 1
            seen.add(key)
            articles += 1
            for problem in problems(item):
                print(f"{name}: {key}: {problem}")
                by_rule[_rule_of(problem)] += 1
                bad += 1
            for fact in item.facts:
                totals[fact.section] = totals.get(fact.section, 0) + 1
    if by_rule:
        print("problems per rule: " + ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())))
    print(f"{articles} articles, facts per section: {totals}, problems: {bad}")
    return 1 if bad else 0


def _rule_of(problem: str) -> str:
    match = re.match(r"\[([\w-]+)\]", problem)
    return match.group(1) if match else "evidence"


def _show(corpus: str, index: int) -> int:
    for sentence in sentences_of(lee_articles(corpus)[index]):
        print(f"[{sentence.index}] {sentence.text}")
    return 0


def _sentences(text: str) -> int:
    for sentence in segment(text, clean(text)):
        mark = "H" if sentence.headline else str(sentence.index)
        print(f"[{mark}] {sentence.text}")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["sentences"]:
        return _sentences(sys.stdin.read())
    if len(argv) >= 3 and argv[0] == "show":
        return _show(argv[1], int(argv[2]))
    if len(argv) >= 2 and argv[0] == "check":
        return _check(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
