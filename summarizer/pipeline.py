"""Wires the stages: clean, segment, prompt, generate, parse, ground, merge."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice

from summarizer.backend import Backend, GenerationRequest
from summarizer.clean import clean
from summarizer.extents import escape_time, order_extent
from summarizer.ground import ground_record
from summarizer.ingest import Article
from summarizer.merge import actors, dedupe, fold_headlines, places
from summarizer.prompt import TEMPLATE_VERSION, Prompt, build_prompts
from summarizer.pronouns import resolve_pronouns
from summarizer.rules import (
    RECORD_RULES,
    apply_record_rules,
    mark_subsets,
    missing_from_custody,
    one_order_per_clause,
    one_section_per_figure,
)
from summarizer.schema import (
    SECTIONS,
    Brief,
    Dropped,
    Provenance,
    Section,
    Strict,
    TemplateRef,
    Timing,
    Unread,
)
from summarizer.segment import Sentence, iter_sentences
from summarizer.summary import summarize
from summarizer.target_format import ParseFailure, parse_all
from summarizer.totals import casualty_totals

READING_RULES = (resolve_pronouns, *RECORD_RULES, order_extent, escape_time)


@dataclass(frozen=True)
class ArticleBudget:
    """What one article may cost, whatever its size: past either limit the rest is not
    briefed, and the brief says where it stopped (``provenance.unread``). A long news story
    has a few hundred sentences and prompts; 600 prompts took 13-17 s on one busy CPU thread."""

    max_sentences: int = 1_000
    max_prompts: int = 600


@dataclass(frozen=True)
class PipelineConfig:
    route: bool = True
    # Headline lines are read; a figure the body states again is folded into its fact.
    headlines: bool = True
    # None: the version the model was trained on, else the instruction templates.
    template_version: int | None = None
    budget: ArticleBudget = field(default_factory=ArticleBudget)


@dataclass(frozen=True)
class _Prepared:
    article: Article
    sentences: list[Sentence]
    prompts: list[Prompt]
    unread: Unread | None


class Pipeline:
    def __init__(self, backend: Backend, config: PipelineConfig | None = None) -> None:
        self.backend = backend
        self.config = config or PipelineConfig()
        self.template_version = (
            self.config.template_version or backend.template_version or TEMPLATE_VERSION
        )

    def brief(self, article: Article) -> Brief:
        return self.briefs([article])[0]

    def briefs(self, articles: Sequence[Article]) -> list[Brief]:
        """Briefs for several articles, their prompts batched through the model together."""
        started = time.perf_counter()
        prepared = [self._prepare(article) for article in articles]
        requests = _requests(prepared)
        model_started = time.perf_counter()
        outputs = self.backend.generate(requests) if requests else []
        model_seconds = time.perf_counter() - model_started
        share = model_seconds / max(len(articles), 1)
        briefs = []
        cursor = 0
        for item in prepared:
            item_outputs = outputs[cursor : cursor + len(item.prompts)]
            cursor += len(item.prompts)
            elapsed = (time.perf_counter() - started) / max(len(articles), 1)
            briefs.append(self._assemble(item, item_outputs, share, elapsed))
        return briefs

    def requests(self, articles: Sequence[Article]) -> list[GenerationRequest]:
        """The prompts ``briefs`` would send the model for these articles."""
        return _requests([self._prepare(article) for article in articles])

    def _prepare(self, article: Article) -> _Prepared:
        budget = self.config.budget
        found = iter_sentences(article.text, clean(article.text))
        sentences = list(islice(found, budget.max_sentences + 1))
        unread = None
        if len(sentences) > budget.max_sentences:
            reason = f"past the per-article limit of {budget.max_sentences} sentences"
            unread = Unread(start=sentences.pop().start, reason=reason)
        prompts = build_prompts(
            sentences, self.config.route, self.template_version, self.config.headlines
        )
        if len(prompts) > budget.max_prompts:
            first_unread = prompts[budget.max_prompts].sentence
            sentences = sentences[: first_unread.index]
            prompts = [p for p in prompts if p.sentence.index < first_unread.index]
            reason = f"past the per-article limit of {budget.max_prompts} prompts"
            unread = Unread(start=first_unread.start, reason=reason)
        return _Prepared(article, sentences, prompts, unread)

    def _assemble(
        self, item: _Prepared, outputs: Sequence[str], model_seconds: float, elapsed: float
    ) -> Brief:
        parsed, failures = parse_all(item.prompts, outputs)
        dropped = [_failure_to_dropped(f) for f in failures]
        text = item.article.text
        grounded: dict[Section, list[Strict]] = {section: [] for section in SECTIONS}
        for raw in parsed:
            record, lost = ground_record(raw, text)
            dropped.extend(lost)
            if record is None:
                continue
            verdict = apply_record_rules(record, text, READING_RULES)
            dropped.extend(verdict.dropped)
            if verdict.record is not None:
                grounded[raw.record.section].append(verdict.record)
        grounded, lost = one_section_per_figure(missing_from_custody(grounded, text), text)
        dropped.extend(lost)
        grounded["orders"] = one_order_per_clause(grounded["orders"])
        headlines = {s.start for s in item.sentences if s.headline}
        merged = {
            section: mark_subsets(dedupe(fold_headlines(grounded[section], headlines)), text)
            for section in SECTIONS
        }
        totals, casualties = casualty_totals(merged["casualties"], text)  # type: ignore[arg-type]
        merged["casualties"] = list(casualties)
        return Brief(
            summary=summarize(item.sentences, merged),
            orders=merged["orders"],  # type: ignore[arg-type]
            casualties=merged["casualties"],  # type: ignore[arg-type]
            displacement=merged["displacement"],  # type: ignore[arg-type]
            escapes=merged["escapes"],  # type: ignore[arg-type]
            actors=actors(merged),
            places=places(merged),
            dropped=dropped,
            provenance=self._provenance(item, model_seconds, elapsed),
            totals=totals,
        )

    def _provenance(self, item: _Prepared, model_seconds: float, elapsed: float) -> Provenance:
        templates = sorted({(p.template.name, p.template.version) for p in item.prompts})
        return Provenance(
            model=self.backend.name,
            device=self.backend.device,
            dtype=self.backend.dtype,
            templates=[TemplateRef(name=n, version=v) for n, v in templates],
            source=item.article.source,
            source_sha256=item.article.sha256,
            source_chars=len(item.article.text),
            timing=Timing(
                load_seconds=round(self.backend.load_seconds, 4),
                model_seconds=round(model_seconds, 4),
                total_seconds=round(elapsed, 4),
            ),
            constrained=self.backend.constrained,
            abstain_at=self.backend.abstain_at,
            unread=item.unread,
        )


def _requests(prepared: Sequence[_Prepared]) -> list[GenerationRequest]:
    return [
        GenerationRequest(p.section, p.text, p.sentence.text, p.context_texts, p.decoder_prefix)
        for item in prepared
        for p in item.prompts
    ]


def _failure_to_dropped(failure: ParseFailure) -> Dropped:
    return Dropped(section=failure.section, field="*", value=failure.text, reason=failure.reason)
