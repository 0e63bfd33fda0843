"""Hand annotations of training articles, and the checks that keep them usable.

Usage:
    python -m summarizer.annotations show lee_background 12   # numbered sentences
    python -m summarizer.annotations check FILE.jsonl [...]   # validate annotation files
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from summarizer.clean import clean
from summarizer.fields import SECTION_FIELDS
from summarizer.numbers import QUANTITY_WORD
from summarizer.schema import Section
from summarizer.segment import Sentence, segment

LEE_FILES = {"lee_background": "lee_background.cor", "lee": "lee.cor"}


class AnnotatedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section: Section
    evidence: str
    fields: dict[str, str]

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
        return self


class AnnotatedArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corpus: str
    index: int | None = None
    id: str | None = None
    text: str | None = None
    split: str = "train"
    facts: list[AnnotatedFact]


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
    return [s for s in segment(text, clean(text)) if not s.headline]


def load_annotations(path: Path) -> list[AnnotatedArticle]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(AnnotatedArticle.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return items


def problems(item: AnnotatedArticle) -> list[str]:
    found = []
    text = article_text(item)
    sentence_texts = {s.text for s in sentences_of(text)}
    for fact in item.facts:
        if fact.evidence not in sentence_texts:
            found.append(f"evidence is not one whole sentence of the article: {fact.evidence!r}")
    return found


def _check(paths: list[str]) -> int:
    bad = 0
    seen: set[tuple[str, int | str | None]] = set()
    totals: dict[str, int] = {}
    articles = 0
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
                bad += 1
            for fact in item.facts:
                totals[fact.section] = totals.get(fact.section, 0) + 1
    print(f"{articles} articles, facts per section: {totals}, problems: {bad}")
    return 1 if bad else 0


def _show(corpus: str, index: int) -> int:
    for sentence in sentences_of(lee_articles(corpus)[index]):
        print(f"[{sentence.index}] {sentence.text}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "show":
        return _show(argv[1], int(argv[2]))
    if len(argv) >= 2 and argv[0] == "check":
        return _check(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
