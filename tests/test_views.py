"""Views of a brief: fact rows (CSV/JSON Lines), the self-contained HTML page, Markdown.

The briefs come from a scripted backend over invented articles, so what each view must show
is known; the HTML is read back with the standard library's parser, piece by piece, to check
that every evidence span is highlighted where the brief says it is."""

from __future__ import annotations

import csv
import io
import itertools
import json
from html.parser import HTMLParser

import pytest

from summarizer.backend import ScriptedBackend
from summarizer.ingest import Article
from summarizer.pipeline import Pipeline
from summarizer.schema import SECTIONS, Brief
from summarizer.views.html import brief_marks, briefs_page, highlight
from summarizer.views.markdown import brief_to_markdown
from summarizer.views.table import COLUMNS, fact_rows, to_csv, to_jsonl
from tests.records import answering

ATTACK = (
    "Gunmen kill 12 in raid on Dalu market\n\n"
    "DALU, May 3 - Gunmen killed 12 traders at the Dalu market on Friday, police said. "
    "The governor ordered residents to stay indoors from 6 p.m. "
    "About 3,000 villagers fled to Marula, the Red Cross said. "
    'A note left at the market read "<script>alert(1)</script>" and <blink>nothing else</blink>.'
)
ANSWERS = {
    ("casualties", "killed 12 traders"): "count: 12; who: traders; outcome: killed; "
    "according to: police; when: on Friday",
    ("orders", "ordered residents"): "kind: curfew; issued by: The governor; binds: residents; "
    "requires: to stay indoors; effective: from 6 p.m.; announced by: -",
    ("displacement", "3,000 villagers"): "count: About 3,000; who: villagers; origin: -; "
    "according to: the Red Cross; when: -",
}


_answer = answering(ANSWERS)


@pytest.fixture(scope="module")
def brief() -> Brief:
    return Pipeline(ScriptedBackend(_answer)).brief(Article("attack.txt", ATTACK))


def test_the_scripted_brief_holds_one_record_per_answer(brief: Brief) -> None:
    assert [len(getattr(brief, s)) for s in SECTIONS] == [1, 1, 1, 0]


def test_fact_rows_carry_every_column_and_quote_their_sentence(brief: Brief) -> None:
    rows = list(fact_rows("attack.txt", brief))
    assert [tuple(row) for row in rows] == [COLUMNS] * 3
    by_section = {row["section"]: row for row in rows}
    casualty = by_section["casualties"]
    assert (casualty["count"], casualty["who"], casualty["outcome"], casualty["source"]) == (
        12, "traders", "killed", "police",
    )  # fmt: skip
    order = by_section["orders"]
    assert (order["who"], order["outcome"], order["source"], order["detail"]) == (
        "residents", "curfew", "The governor", "to stay indoors",
    )  # fmt: skip
    for row in rows:
        assert ATTACK[int(str(row["start"])) : int(str(row["end"]))] == row["quote"]


def test_csv_and_jsonl_hold_the_same_rows(brief: Brief) -> None:
    rows = list(fact_rows("attack.txt", brief))
    from_csv = list(csv.DictReader(io.StringIO(to_csv(rows))))
    from_jsonl = [json.loads(line) for line in to_jsonl(rows).splitlines()]
    assert (
        [r["quote"] for r in from_csv]
        == [r["quote"] for r in from_jsonl]
        == [r["quote"] for r in rows]
    )
    casualty = [r["section"] for r in rows].index("casualties")
    assert from_csv[casualty]["count"] == "12" and from_jsonl[casualty]["count"] == 12


class _Pieces(HTMLParser):
    """The article's text as the browser shows it, with the record ids over each piece."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.covered: list[tuple[int, int, set[str], set[str]]] = []
        self.elements: list[str] = []
        self._open: list[tuple[str, set[str], set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        values = dict(attrs)
        ids = set((values.get("data-r") or "").split())
        classes = set((values.get("class") or "").split())
        self._open.append((tag, ids, classes))

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        ids = set().union(*(i for _, i, _ in self._open)) if self._open else set()
        classes = set().union(*(c for _, _, c in self._open)) if self._open else set()
        self.covered.append((len(self.text), len(self.text) + len(data), ids, classes))
        self.text += data


def _read(fragment: str) -> _Pieces:
    pieces = _Pieces()
    pieces.feed(fragment)
    return pieces


def test_every_evidence_span_is_highlighted_exactly(brief: Brief) -> None:
    marks = brief_marks(brief, "a0")
    pieces = _read(highlight(ATTACK, marks))
    assert pieces.text == ATTACK  # escaped and read back, character for character
    for mark in (m for m in marks if m.kind == "evidence"):
        inside = [(start, end) for start, end, ids, _ in pieces.covered if mark.record in ids]
        assert inside[0][0] == mark.start and inside[-1][1] == mark.end
        assert all(a[1] == b[0] for a, b in itertools.pairwise(inside))


def test_each_value_is_marked_inside_its_sentence(brief: Brief) -> None:
    pieces = _read(highlight(ATTACK, brief_marks(brief, "a0")))
    marked = {
        pieces.text[start:end] for start, end, _, classes in pieces.covered if "val" in classes
    }
    assert {"12", "traders", "police", "The governor", "residents", "About 3,000"} <= marked


def test_article_markup_renders_as_text(brief: Brief) -> None:
    page = briefs_page("Briefs", [(ATTACK, brief)])
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    pieces = _read(page)
    assert pieces.elements.count("script") == 1  # the page's own, none from the article
    assert "blink" not in pieces.elements


def test_the_page_loads_nothing_from_elsewhere(brief: Brief) -> None:
    page = briefs_page("Briefs", [(ATTACK, brief)])
    assert page.startswith("<!doctype html>")
    for outside in ("http://", "https://", "<link", " src="):
        assert outside not in page


def test_markdown_quotes_evidence_without_offsets_or_alignment(brief: Brief) -> None:
    markdown = brief_to_markdown(brief)
    assert "Gunmen killed 12 traders at the Dalu market on Friday, police said." in markdown
    for hidden in ("exact", "fuzzy", "normalized", f"{brief.casualties[0].evidence.start}-"):
        assert hidden not in markdown
