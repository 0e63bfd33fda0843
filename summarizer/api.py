"""The Python API: what the command line does, for code.

    from summarizer import Summarizer

    reader = Summarizer()                      # the shipped model; or model="google/flan-t5-large"
    brief = reader.brief(open("article.txt").read())
    print(brief.casualties[0].count, brief.casualties[0].evidence.text)
    dossier = reader.dossier([text_a, text_b])  # one brief per event, with discrepancies

The model loads on first use and is reused by every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.backend import DEFAULT_RECORD_BIAS, Backend, BackendConfig, load_backend
from summarizer.dossier.schema import Dossier
from summarizer.ingest import Article, parse_article
from summarizer.models import default_model
from summarizer.pipeline import Pipeline, PipelineConfig
from summarizer.schema import Brief

if TYPE_CHECKING:
    from summarizer.dossier.events import LeadEncoder


@dataclass(frozen=True)
class ModelOptions:
    """How the model runs: where, in what precision, how it decodes."""

    device: str = "auto"  # auto, cpu or cuda
    dtype: str = "auto"  # auto, float32, float16 or bfloat16
    runtime: str = "auto"  # auto, hf (transformers) or ct2 (CTranslate2 int8)
    batch_size: int = 64
    beams: int = 1
    constrained: bool = True
    record_bias: float = DEFAULT_RECORD_BIAS
    # None: the model's own abstention threshold, if it has one; 1 turns abstention off.
    abstain_at: float | None = None


def as_article(item: str | Article, number: int) -> Article:
    """An article from text (checked like a file: empty, binary-looking or non-prose text
    raises ``InputError``), or an ``Article`` as given."""
    if isinstance(item, Article):
        return item
    return parse_article(item.encode("utf-8"), source=f"text-{number}")


class Summarizer:
    def __init__(
        self,
        model: str | None = None,
        options: ModelOptions | None = None,
        pipeline: PipelineConfig | None = None,
    ) -> None:
        self.model = model or str(default_model())
        self.options = options or ModelOptions()
        self.pipeline_config = pipeline or PipelineConfig()
        self._pipeline: Pipeline | None = None

    def backend_config(self) -> BackendConfig:
        o = self.options
        return BackendConfig(
            model=self.model,
            device=o.device,  # type: ignore[arg-type]
            dtype=o.dtype,  # type: ignore[arg-type]
            batch_size=o.batch_size,
            num_beams=o.beams,
            constrained=o.constrained,
            record_bias=o.record_bias,
            abstain_at=o.abstain_at,
            runtime=o.runtime,  # type: ignore[arg-type]
        )

    @classmethod
    def with_backend(cls, backend: Backend, pipeline: PipelineConfig | None = None) -> Summarizer:
        """A summarizer over a backend already built (a scripted one in tests)."""
        reader = cls(model=backend.name, pipeline=pipeline)
        reader._pipeline = Pipeline(backend, reader.pipeline_config)
        return reader

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline(load_backend(self.backend_config()), self.pipeline_config)
        return self._pipeline

    def brief(self, text: str | Article) -> Brief:
        return self.briefs([text])[0]

    def briefs(self, texts: Iterable[str | Article]) -> list[Brief]:
        """Briefs of several articles, their prompts batched through the model together."""
        articles = [as_article(item, number) for number, item in enumerate(texts, 1)]
        return self.pipeline.briefs(articles)

    def dossier(
        self, texts: Sequence[str | Article], encoder: LeadEncoder | None = None
    ) -> Dossier:
        """Brief every article, group them into events and merge each event's records.
        ``encoder``: a ``dossier.events.LeadEncoder``; by default MiniLM where the dossier
        extra is installed, else tf-idf."""
        from summarizer.dossier.build import build_dossier
        from summarizer.dossier.events import default_encoder

        articles = [as_article(item, number) for number, item in enumerate(texts, 1)]
        briefs = self.pipeline.briefs(articles)
        return build_dossier(articles, briefs, encoder or default_encoder())
