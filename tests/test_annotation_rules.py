"""The annotation checker's reading rules (ANNOTATION_GUIDE.md, "Reading rules (fourth round)"),
each on invented sentences: one table of facts it must flag, one it must let through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.annotations import (
    AnnotatedArticle,
    AnnotatedFact,
    arrest_as_casualty,
    count_not_a_count,
    escape_also_displacement,
    hedged_count,
    main,
    non_count_reading,
    problems,
    pronoun_value,
    recapture_without_count,
)


def _fact(section: str, evidence: str, **fields: str) -> AnnotatedFact:
    return AnnotatedFact.model_validate(
        {"section": section, "evidence": evidence, "fields": fields}
    )


def _casualty(evidence: str, count: str, outcome: str = "killed") -> AnnotatedFact:
    return _fact("casualties", evidence, count=count, outcome=outcome)


# (sentence, count, what the figure is)
NOT_COUNTS = [
    ("The 31-year-old was killed when the roof of the mill fell in.", "31", "an age"),
    ("A boy of 9 years old was hurt in the stampede.", "9", "an age"),
    ("Police named the dead man as Ramesh Tudu (47), a grocer.", "47", "an age"),
    ("Kofi Mensah, 52, died at the scene of the crash.", "52", "an age"),
    ("The dead included a woman aged 70 from the hill village.", "70", "an age"),
    ("The bomb went off at 4:30 p.m. and killed a guard.", "4", "a clock time"),
    ("The shelling began at 6 a.m. and a nurse was killed.", "6", "a clock time"),
    ("A nurse was killed on March 12 when shells hit the clinic.", "12", "a date"),
    ("Looters took $300 from the clinic where a guard was killed.", "300", "a price"),
    ("A magnitude 6 quake killed a shepherd in the hills.", "6", "a magnitude"),
    ("Turnout fell 40% after a candidate was killed.", "40", "a percentage"),
    ("The bus plunged 20 metres and its driver was killed.", "20", "a measure"),
    ("A guard at 12 Harbour Road was killed in the raid.", "12", "an address"),
]


@pytest.mark.parametrize(("evidence", "count", "reading"), NOT_COUNTS)
def test_a_figure_that_counts_no_people_is_flagged(evidence: str, count: str, reading: str) -> None:
    fact = _casualty(evidence, count)
    start = evidence.index(count)
    assert non_count_reading(evidence, start, start + len(count)) == reading
    assert count_not_a_count(fact) == [f"count {count!r} is {reading} in its evidence"]


def test_a_year_is_no_count_unless_people_follow_it() -> None:
    flood = _casualty("The flood of 1998 killed villagers along the delta.", "1998")
    assert count_not_a_count(flood) == ["count '1998' is a year"]
    fled = _fact("displacement", "About 1900 residents fled the valley.", count="About 1900")
    assert count_not_a_count(fled) == []


COUNTS = [
    ("31 people were killed when the roof of the mill fell in.", "31"),
    ("Two boys aged 9 and 11 and 14 other people were hurt.", "14"),
    ("The 4 p.m. blast killed 12 workers at the depot.", "12"),
    ("In Kisumu, 40 people were killed in the clashes.", "40"),
    ("At least 3,200 people were killed, officials said.", "At least 3,200"),
]


@pytest.mark.parametrize(("evidence", "count"), COUNTS)
def test_a_count_of_people_passes(evidence: str, count: str) -> None:
    assert count_not_a_count(_casualty(evidence, count)) == []


PRONOUNS = [
    ("casualties", "He said 12 soldiers were killed.", {"according_to": "He"}),
    ("orders", "They ordered residents to leave.", {"issued_by": "They"}),
    ("orders", "The mayor said she had ordered a curfew.", {"issued_by": "she"}),
    ("escapes", "He got away through a window.", {"who": "He"}),
    ("orders", "Troops told them to leave the port.", {"binds": "them"}),
]


def _complete(section: str, evidence: str, fields: dict[str, str]) -> AnnotatedFact:
    required = {"casualties": {"outcome": "killed"}, "orders": {"kind": "other"}}
    extra = dict(required.get(section, {}))
    if section == "orders":
        extra["requires"] = evidence.split()[-1].rstrip(".")
    return _fact(section, evidence, **extra, **fields)


@pytest.mark.parametrize(("section", "evidence", "fields"), PRONOUNS)
def test_a_pronoun_is_never_a_value(section: str, evidence: str, fields: dict[str, str]) -> None:
    ((name, value),) = fields.items()
    assert pronoun_value(_complete(section, evidence, fields)) == [f"{name}={value!r} is a pronoun"]


@pytest.mark.parametrize(
    ("section", "evidence", "fields"),
    [
        ("casualties", "Its soldiers were killed, the army said.", {"who": "Its soldiers"}),
        ("orders", "The mayor said she had ordered a curfew.", {"issued_by": "The mayor"}),
        ("casualties", "Heavy shelling killed them all, Ito said.", {"according_to": "Ito"}),
    ],
)
def test_a_named_antecedent_passes(section: str, evidence: str, fields: dict[str, str]) -> None:
    assert pronoun_value(_complete(section, evidence, fields)) == []


HEDGED = [
    ("casualties", "Officials said the toll could reach 200 by nightfall.", "200"),
    ("casualties", "As many as 50 miners may have died underground.", "As many as 50"),
    ("casualties", "At least six fishermen are feared drowned.", "At least six"),
    ("displacement", "The dam will force 10,000 villagers from their homes.", "10,000"),
    ("displacement", "Aid groups feared 300 families had fled.", "300"),
    ("displacement", "The flood is expected to displace 4,000 people.", "4,000"),
]


@pytest.mark.parametrize(("section", "evidence", "count"), HEDGED)
def test_a_hedged_or_forecast_figure_is_flagged(section: str, evidence: str, count: str) -> None:
    fields = {"count": count} | ({"outcome": "killed"} if section == "casualties" else {})
    assert hedged_count(_fact(section, evidence, **fields)) == [
        f"count {count!r} is hedged or forecast in its evidence"
    ]


@pytest.mark.parametrize(
    ("evidence", "count", "outcome"),
    [
        ("Two guards were wounded and are expected to survive.", "Two", "wounded"),
        ("At least 12 people were killed and more may be buried.", "At least 12", "killed"),
        ("The army said 14 rebels were killed, and it will say more later.", "14", "killed"),
    ],
)
def test_a_stated_figure_is_not_hedged(evidence: str, count: str, outcome: str) -> None:
    assert hedged_count(_casualty(evidence, count, outcome)) == []


@pytest.mark.parametrize(
    ("evidence", "count"),
    [
        ("Police said 37 people had been arrested after the riot.", "37"),
        ("One rebel was killed and six others surrendered to troops.", "six"),
        ("Nine fishermen were rescued from the capsized boat.", "Nine"),
    ],
)
def test_arrests_surrenders_and_rescues_are_not_casualties(evidence: str, count: str) -> None:
    assert arrest_as_casualty(_casualty(evidence, count, "wounded")) != []


@pytest.mark.parametrize(
    ("evidence", "count"),
    [
        ("The army said it killed 12 rebels and captured five.", "12"),
        ("Seven rescued miners were treated for burns in hospital.", "Seven"),
        ("Four detainees held in the cells were shot dead.", "Four"),
    ],
)
def test_casualties_next_to_arrests_pass(evidence: str, count: str) -> None:
    assert arrest_as_casualty(_casualty(evidence, count)) == []


def test_one_figure_is_not_both_an_escape_and_displacement() -> None:
    evidence = "Some 859 inmates escaped when the floods breached the prison wall."
    escape = _fact("escapes", evidence, count="Some 859", who="inmates")
    echo = _fact("displacement", evidence, count="Some 859", who="inmates")
    assert len(escape_also_displacement([escape, echo])) == 1
    other = "Some 859 residents fled when the floods breached the river wall."
    fled = _fact("displacement", other, count="Some 859", who="residents")
    assert escape_also_displacement([escape, fled]) == []


RECAPTURES = [
    ("At least 140 inmates escaped and police recaptured 23 of them.", "At least 140", "23", "yes"),
    ("Twelve boys ran off from the home and five were caught by noon.", "Twelve", "five", "yes"),
    ("Of the 12 who fled, five remain at large.", "12", "five", "no"),
    ("Nine detainees broke out; none of the nine had been found by dusk.", "Nine", "nine", "no"),
]


@pytest.mark.parametrize(("evidence", "escaped", "figure", "recaptured"), RECAPTURES)
def test_a_recapture_figure_is_its_own_escape_fact(
    evidence: str, escaped: str, figure: str, recaptured: str
) -> None:
    escape = _fact("escapes", evidence, count=escaped)
    assert recapture_without_count([escape]) == [
        f"figure {figure!r} (recaptured: {recaptured}) has no escape fact of its own:"
        f" {evidence[:60]!r}"
    ]
    recapture = _fact("escapes", evidence, count=figure, recaptured=recaptured)
    assert recapture_without_count([escape, recapture]) == []


@pytest.mark.parametrize(
    "evidence",
    [
        "Two militia leaders arrested in May were among the 30 inmates who escaped.",
        "The 30 inmates escaped two days before they were due in court.",
        "Police said 30 inmates escaped and were recaptured within two hours.",
    ],
)
def test_figures_that_are_no_recapture_pass(evidence: str) -> None:
    assert recapture_without_count([_fact("escapes", evidence, count="30")]) == []


def test_check_reports_each_rule_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Gunmen raid a town.\n\nHe said the 31-year-old was killed in the raid."
    evidence = "He said the 31-year-old was killed in the raid."
    article = {
        "corpus": "synthetic",
        "id": "test-001",
        "text": text,
        "facts": [
            {
                "section": "casualties",
                "evidence": evidence,
                "fields": {"count": "31", "outcome": "killed", "according_to": "He"},
            }
        ],
    }
    path = tmp_path / "rules.jsonl"
    path.write_text(json.dumps(article) + "\n", encoding="utf-8")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "problems per rule: not-a-count 1, pronoun 1" in out
    assert out.rstrip().endswith("problems: 2")


def test_a_headline_line_is_evidence_of_its_own_fact() -> None:
    headline = "Bus overturns near Tamale: Killed 1, Injured 6"
    text = f"{headline}\n\nA bus overturned on the Tamale road on Sunday, police said."
    facts = [
        {"section": "casualties", "evidence": headline, "fields": {"count": c, "outcome": o}}
        for c, o in (("1", "killed"), ("6", "wounded"))
    ]
    item = AnnotatedArticle.model_validate(
        {"corpus": "synthetic", "id": "test-002", "text": text, "facts": facts}
    )
    assert problems(item) == []
    item.facts[0].evidence = "Bus overturns near Tamale"
    assert len(problems(item)) == 1


CONTEXT_TEXT = (
    "Governor recalls reservists to Marula\n\n"
    "MARULA, June 4 - About 1,200 reservists were called up on Monday, the provincial"
    " command said. The governor ordered the reservists to the northern border. Shops stayed"
    " open. Schools closed early. The army said 14 soldiers were hurt."
)


@pytest.mark.parametrize(
    ("evidence", "context", "flagged"),
    [
        (
            "The governor ordered the reservists to the northern border.",
            {"binds": "About 1,200 reservists"},
            False,
        ),
        (
            "The governor ordered the reservists to the northern border.",
            {"issued_by": "the provincial command"},
            False,
        ),
        ("Shops stayed open.", {"who": "Governor"}, False),  # the headline is context
        # three sentences back is out of reach
        ("Schools closed early.", {"who": "About 1,200 reservists"}, True),
        ("The army said 14 soldiers were hurt.", {"binds": "About 1,200 reservists"}, True),
        (
            "The governor ordered the reservists to the northern border.",
            {"binds": "1,200 conscripts"},
            True,
        ),
    ],
)
def test_a_context_value_comes_from_the_sentences_around_the_evidence(
    evidence: str, context: dict[str, str], flagged: bool
) -> None:
    fact = {
        "section": "orders",
        "evidence": evidence,
        "context": context,
        "fields": {"kind": "military_order", "requires": evidence.split()[0]},
    }
    if "who" in context:
        fact = {
            "section": "casualties",
            "evidence": evidence,
            "context": context,
            "fields": {"outcome": "wounded"},
        }
    item = AnnotatedArticle.model_validate(
        {"corpus": "synthetic", "id": "ctx", "text": CONTEXT_TEXT, "facts": [fact]}
    )
    assert bool(problems(item)) is flagged


@pytest.mark.parametrize(
    "fact",
    [
        {
            "section": "orders",
            "evidence": "x y",
            "context": {"requires": "y"},
            "fields": {"kind": "curfew", "requires": "x"},
        },  # requires is never context
        {
            "section": "casualties",
            "evidence": "x y",
            "context": {"who": "z"},
            "fields": {"outcome": "killed", "who": "x"},
        },  # one place per field
        {
            "section": "casualties",
            "evidence": "x y",
            "context": {"who": "z."},
            "fields": {"outcome": "killed"},
        },
    ],
)
def test_context_values_are_validated(fact: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AnnotatedFact.model_validate(fact)


def test_a_context_pronoun_is_flagged() -> None:
    fact = AnnotatedFact.model_validate(
        {
            "section": "casualties",
            "evidence": "x",
            "context": {"according_to": "they"},
            "fields": {"outcome": "killed"},
        }
    )
    assert pronoun_value(fact)
