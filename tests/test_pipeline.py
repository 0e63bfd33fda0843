"""The whole pipeline on a seed article, with a scripted fake model: exact briefs."""

from __future__ import annotations

import pytest

from summarizer.backend import GenerationRequest, ScriptedBackend
from summarizer.clean import clean
from summarizer.ingest import Article, read_article
from summarizer.pipeline import Pipeline, PipelineConfig
from summarizer.schema import SECTIONS, Brief, GroundedText, Span, Strict
from summarizer.segment import iter_sentences
from summarizer.summary import CONTEXT_SHARE, record_line
from summarizer.views.markdown import brief_to_markdown
from tests.conftest import LONG_SEED

KILLED = "Turkey said 440 Kurdish fighters have been killed since the operation began Wednesday."
FOUR = "Turkey also said four of its soldiers were killed, along with 16 allied Syrian fighters."
ESCAPED = (
    "The Kurdish-led administration in northern Syria said in a statement that 950 IS "
    "supporters escaped after attacking guards and storming the gates."
)

SCRIPT = {
    ("casualties", KILLED): "count: 440; who: Kurdish fighters; outcome: killed; "
    "according to: Turkey; when: since the operation began Wednesday",
    ("casualties", FOUR): "count: four; who: its soldiers; outcome: killed; according to: Turkey; "
    "when: -; count: 16; who: allied Syrian fighters; outcome: killed; according to: -; when: -",
    ("escapes", ESCAPED): "count: 950; who: IS supporters; origin: -; according to: "
    "The Kurdish-led administration in northern Syria; recaptured: -",
}


@pytest.fixture(scope="module")
def brief() -> Brief:
    return Pipeline(ScriptedBackend(SCRIPT)).brief(read_article(LONG_SEED))


def test_records_are_exact(brief: Brief) -> None:
    assert [(c.count, c.who.text if c.who else None, c.outcome) for c in brief.casualties] == [
        (440, "Kurdish fighters", "killed"),
        (4, "its soldiers", "killed"),
        (16, "allied Syrian fighters", "killed"),
    ]
    assert brief.casualties[0].according_to is not None
    assert brief.casualties[0].according_to.text == "Turkey"
    assert [(e.count, e.according_to.text if e.according_to else None) for e in brief.escapes] == [
        (950, "The Kurdish-led administration in northern Syria")
    ]
    assert brief.orders == [] and brief.displacement == [] and brief.dropped == []


def test_offsets_point_at_what_the_model_copied(brief: Brief) -> None:
    """The article at each record's offsets holds the sentence and the values the script wrote."""
    text = LONG_SEED.read_text(encoding="utf-8")

    def at(span: Span | None) -> str | None:
        return None if span is None else text[span.start : span.end]

    found = [
        (at(r.evidence), at(r.count_text), at(r.who), at(r.according_to))
        for r in [*brief.casualties, *brief.escapes]
    ]
    assert found == [
        (KILLED, "440", "Kurdish fighters", "Turkey"),
        (FOUR, "four", "its soldiers", "Turkey"),
        (FOUR, "16", "allied Syrian fighters", None),
        (ESCAPED, "950", "IS supporters", "The Kurdish-led administration in northern Syria"),
    ]


def test_brief_validates_and_carries_provenance(brief: Brief) -> None:
    again = Brief.model_validate_json(brief.model_dump_json())
    assert again == brief
    names = {(t.name, t.version) for t in brief.provenance.templates}
    assert ("extract_casualties", 1) in names
    assert brief.provenance.model == "scripted"
    assert {a.name for a in brief.actors} >= {"Turkey"}
    assert "440 Kurdish fighters killed (per Turkey)" in brief.summary


def test_invented_figures_are_dropped_and_reported() -> None:
    script = {
        ("casualties", KILLED): "count: 943; who: Kurdish fighters; outcome: killed; "
        "according to: Turkey; when: -"
    }
    brief = Pipeline(ScriptedBackend(script)).brief(read_article(LONG_SEED))
    assert [(d.field, d.value) for d in brief.dropped] == [("count", "943")]
    # The figure the article writes right before who is read instead (rules.count_before_who).
    figure = brief.casualties[0].count_text
    assert brief.casualties[0].count == 440 and figure is not None
    assert read_article(LONG_SEED).text[figure.start : figure.end] == "440"


def _brief_stating_440_twice() -> Brief:
    """The long seed with its '440 killed' sentence appended again, read by a script."""

    def answer(request: GenerationRequest) -> str:
        if request.section == "casualties" and "440" in request.source:
            return SCRIPT[("casualties", KILLED)]
        return "none"

    article = read_article(LONG_SEED)
    doubled = type(article)(source="x", text=article.text + "\n\n" + KILLED)
    return Pipeline(ScriptedBackend(answer)).brief(doubled)


def test_duplicate_facts_across_sentences_are_merged() -> None:
    brief = _brief_stating_440_twice()
    assert len(brief.casualties) == 1


def test_router_skips_sentences_without_triggers() -> None:
    routed = ScriptedBackend({})
    everything = ScriptedBackend({})
    article = read_article(LONG_SEED)
    Pipeline(routed).brief(article)
    Pipeline(everything, PipelineConfig(route=False)).brief(article)
    assert 0 < len(routed.calls) < len(everything.calls)
    assert len(everything.calls) % 4 == 0


def test_unparseable_output_is_reported_not_raised() -> None:
    brief = Pipeline(ScriptedBackend({("casualties", KILLED): "count: 440; who"})).brief(
        read_article(LONG_SEED)
    )
    assert brief.casualties == []
    assert brief.dropped[0].reason == "output is not a whole record"


def test_summary_states_article_sentences_and_one_record_per_line(brief: Brief) -> None:
    """Every summary sentence is the article's own or one record's line, with no repeats,
    and the article's sentences take about a quarter of its length at most."""
    text = LONG_SEED.read_text(encoding="utf-8")
    article_sentences = [s.text for s in iter_sentences(text, clean(text))]
    quoted = [s for s in article_sentences if s in brief.summary]
    assert brief.summary.startswith(quoted[0])
    assert sum(map(len, quoted)) <= max(len(quoted[0]), CONTEXT_SHARE * len(text))
    rest = brief.summary
    for sentence in quoted:
        rest = rest.replace(sentence, "", 1)
    records = [r for s in SECTIONS for r in getattr(brief, s)]
    lines = {record_line(r): r for r in records}
    stated = []
    rest = rest.strip()
    while rest:
        line = next((line for line in lines if line and rest.startswith(line)), None)
        assert line is not None, rest
        stated.append(line)
        rest = rest[len(line) :].strip()
    assert stated and len(stated) == len(set(stated))
    for line in stated:
        assert _values_in(lines[line], line), line
        assert "(per He)" not in line and "(per She)" not in line


def _values_in(record: Strict, line: str) -> bool:
    values = [getattr(record, f, None) for f in ("count_text", "who", "according_to")]
    present = [v.text for v in values if isinstance(v, GroundedText)]
    return bool(present) and all(v.lower() in line.lower() for v in present)


def test_markdown_shows_the_totals_first(brief: Brief) -> None:
    markdown = brief_to_markdown(brief)
    assert brief.totals is not None
    totals_at = markdown.index(f"**Totals:** {brief.totals.killed} killed")
    assert totals_at < markdown.index(brief.summary[:40]) < markdown.index("## Casualties")


def test_a_restated_fact_keeps_every_sentence_that_states_it() -> None:
    record = _brief_stating_440_twice().casualties[0]
    start = len(read_article(LONG_SEED).text) + 2
    assert [(s.start, s.end) for s in record.also_in] == [(start, start + len(KILLED))]


CONTEXT_ARTICLE = (
    "Police in Tamu said 30 inmates broke out of the district jail on Friday. "
    "Eleven were recaptured by nightfall."
)
CAUGHT = "Eleven were recaptured by nightfall."
CAUGHT_OUTPUT = (
    "count: Eleven; who: inmates; origin: -; according to: Police in Tamu; recaptured: yes"
)


@pytest.mark.parametrize(
    ("version", "sources", "who"),
    [
        # v5: the request carries the context texts, and the values copied from them are
        # grounded in the sentence before, with offsets into the article.
        (
            5,
            ("Police in Tamu said 30 inmates broke out of the district jail on Friday.", ""),
            "inmates",
        ),
        # v4 shows the context read-only: no copy sources, and a value only the context
        # holds is dropped.
        (4, (), None),
    ],
)
def test_context_values_from_v5_on(version: int, sources: tuple[str, ...], who: str | None) -> None:
    backend = ScriptedBackend({("escapes", CAUGHT): CAUGHT_OUTPUT})
    pipeline = Pipeline(backend, PipelineConfig(template_version=version))
    brief = pipeline.brief(Article(text=CONTEXT_ARTICLE, source="t"))
    (request,) = [r for r in backend.calls if r.section == "escapes" and r.source == CAUGHT]
    assert request.context == sources
    (caught,) = [e for e in brief.escapes if e.count == 11]
    assert (caught.who.text if caught.who else None) == who
    if who is not None:
        assert caught.who is not None and caught.according_to is not None
        assert CONTEXT_ARTICLE[caught.who.start : caught.who.end] == "inmates"
        assert caught.who.end < caught.evidence.start
        assert caught.according_to.text == "Police in Tamu"
