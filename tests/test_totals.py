"""Casualty totals by the guide's coding rules, on incidents written for these tests."""

from __future__ import annotations

import pytest

from summarizer.rules import mark_subsets, single_victims
from summarizer.schema import Casualty
from summarizer.totals import casualty_totals
from tests.records import casualty

# (sentence, count, outcome, who, according_to) for each record, in article order.
Spec = tuple[str, str | None, str, str | None, str | None]


def _totals(article: str, specs: list[Spec]) -> tuple[int, int, list[Casualty]]:
    records = []
    for sentence, count, outcome, who, source in specs:
        fields = {k: v for k, v in (("who", who), ("according_to", source)) if v is not None}
        record = casualty(article, count, outcome, sentence=sentence, **fields)
        records.append(single_victims(record, article).record)
    totals, marked = casualty_totals(mark_subsets(records, article), article)  # type: ignore[arg-type]
    return totals.killed, totals.wounded, marked


CASES = [
    (
        "a restated toll counts once",
        "Gunmen killed 9 soldiers in an ambush. The 9 soldiers belonged to a border unit.",
        [
            ("Gunmen killed 9 soldiers in an ambush.", "9", "killed", "soldiers", None),
            ("The 9 soldiers belonged to a border unit.", "9", "killed", "soldiers", None),
        ],
        (9, 0),
    ),
    (
        "a later toll replaces an earlier one",
        "At least 40 people were killed in the blast. By evening the toll rose to 95.",
        [
            (
                "At least 40 people were killed in the blast.",
                "At least 40",
                "killed",
                "people",
                None,
            ),
            ("By evening the toll rose to 95.", "95", "killed", None, None),
        ],
        (95, 0),
    ),
    (
        "all sides are summed",
        "Two policemen and three rebels were killed in the clash.",
        [
            (
                "Two policemen and three rebels were killed in the clash.",
                "Two",
                "killed",
                "policemen",
                None,
            ),
            (
                "Two policemen and three rebels were killed in the clash.",
                "three",
                "killed",
                "rebels",
                None,
            ),
        ],
        (5, 0),
    ),
    (
        "a part is not added to its total",
        "Four people, three of them teenagers, were shot dead.",
        [
            (
                "Four people, three of them teenagers, were shot dead.",
                "Four",
                "killed",
                "people",
                None,
            ),
            (
                "Four people, three of them teenagers, were shot dead.",
                "three",
                "killed",
                "teenagers",
                None,
            ),
        ],
        (4, 0),
    ),
    (
        "background deaths are left out",
        "Rebels shot dead a postman. The village lost 12 people in 2010 to a similar raid.",
        [
            ("Rebels shot dead a postman.", None, "killed", "a postman", None),
            (
                "The village lost 12 people in 2010 to a similar raid.",
                "12",
                "killed",
                "people",
                None,
            ),
        ],
        (1, 0),
    ),
    (
        "deaths avenged are another incident",
        "Rebels killed two traders in revenge for the killing of four fighters last week.",
        [
            (
                "Rebels killed two traders in revenge for the killing of four fighters last week.",
                "two",
                "killed",
                "traders",
                None,
            ),
            (
                "Rebels killed two traders in revenge for the killing of four fighters last week.",
                "four",
                "killed",
                "fighters",
                None,
            ),
        ],
        (2, 0),
    ),
    (
        "single victims count one each",
        "A farmer and his son were killed by rebels.",
        [
            (
                "A farmer and his son were killed by rebels.",
                None,
                "killed",
                "A farmer and his son",
                None,
            )
        ],
        (2, 0),
    ),
    (
        "a victim told again by name is not added",
        "Three guards were killed in the raid. Tomas Ruiz, a guard, was shot in the head.",
        [
            ("Three guards were killed in the raid.", "Three", "killed", "guards", None),
            ("Tomas Ruiz, a guard, was shot in the head.", None, "killed", "Tomas Ruiz", None),
        ],
        (3, 0),
    ),
    (
        "deaths said to be more are added",
        "Three guards were killed in the raid. Two attackers were also killed.",
        [
            ("Three guards were killed in the raid.", "Three", "killed", "guards", None),
            ("Two attackers were also killed.", "Two", "killed", "attackers", None),
        ],
        (5, 0),
    ),
    (
        "killed and wounded apart",
        "Seven guards were killed and two injured.",
        [
            ("Seven guards were killed and two injured.", "Seven", "killed", "guards", None),
            ("Seven guards were killed and two injured.", "two", "wounded", None, None),
        ],
        (7, 2),
    ),
    (
        "a dated earlier attack is background",
        "Gunmen killed two guards. The village was also raided in 2019, when 14 people died.",
        [
            ("Gunmen killed two guards.", "two", "killed", "guards", None),
            (
                "The village was also raided in 2019, when 14 people died.",
                "14",
                "died",
                "people",
                None,
            ),
        ],
        (2, 0),
    ),
    (
        "a dated past attack is background",
        "Gunmen killed a guard. The 2019 attack on the same market killed 12 people.",
        [
            ("Gunmen killed a guard.", None, "killed", "a guard", None),
            (
                "The 2019 attack on the same market killed 12 people.",
                "12",
                "killed",
                "people",
                None,
            ),
        ],
        (1, 0),
    ),
    (
        "a war's cumulative toll is background",
        "Shelling killed nine people. More than 30,000 have been killed in the war, officials say.",
        [
            ("Shelling killed nine people.", "nine", "killed", "people", None),
            (
                "More than 30,000 have been killed in the war, officials say.",
                "More than 30,000",
                "killed",
                None,
                None,
            ),
        ],
        (9, 0),
    ),
    (
        "an insurgency's running toll is background",
        "Gunmen killed 19 villagers in Dalu. The insurgency, now in its 16th year, has killed "
        "more than 40,000 people.",
        [
            ("Gunmen killed 19 villagers in Dalu.", "19", "killed", "villagers", None),
            (
                "The insurgency, now in its 16th year, has killed more than 40,000 people.",
                "more than 40,000",
                "killed",
                "people",
                None,
            ),
        ],
        (19, 0),
    ),
    (
        "a toll since then is background",
        "Two rangers were killed by a bomb. Since then more than 7,500 people have been killed.",
        [
            ("Two rangers were killed by a bomb.", "Two", "killed", "rangers", None),
            (
                "Since then more than 7,500 people have been killed.",
                "more than 7,500",
                "killed",
                "people",
                None,
            ),
        ],
        (2, 0),
    ),
    (
        "the incident's own running toll counts",
        "The army said 440 fighters have been killed since the operation began on Wednesday.",
        [
            (
                "The army said 440 fighters have been killed since the operation began on "
                "Wednesday.",
                "440",
                "killed",
                "fighters",
                None,
            )
        ],
        (440, 0),
    ),
    (
        "deaths a month before are another incident",
        "The army pulled back a month after 40 soldiers were killed in an ambush.",
        [
            (
                "The army pulled back a month after 40 soldiers were killed in an ambush.",
                "40",
                "killed",
                "soldiers",
                None,
            )
        ],
        (0, 0),
    ),
    ("nothing reported", "The talks ended without a deal.", [], (0, 0)),
]


@pytest.mark.parametrize(("rule", "article", "specs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_totals_follow_the_coding_rules(
    rule: str, article: str, specs: list[Spec], expected: tuple[int, int]
) -> None:
    killed, wounded, _ = _totals(article, specs)
    assert (killed, wounded) == expected


def test_an_earlier_toll_is_marked_superseded() -> None:
    article = "At least 40 people were killed. By evening the toll rose to 95."
    _, _, marked = _totals(
        article,
        [
            ("At least 40 people were killed.", "At least 40", "killed", "people", None),
            ("By evening the toll rose to 95.", "95", "killed", None, None),
        ],
    )
    assert [r.superseded for r in marked] == [True, False]


def test_a_figure_another_source_gives_is_disputed() -> None:
    article = "Police said 30 people died. The rebels said 45 people died."
    specs: list[Spec] = [
        ("Police said 30 people died.", "30", "died", "people", "Police"),
        ("The rebels said 45 people died.", "45", "died", "people", "The rebels"),
    ]
    records = [
        casualty(article, c, o, sentence=s, who=w, according_to=a)  # type: ignore[arg-type]
        for s, c, o, w, a in specs
    ]
    totals, marked = casualty_totals(records, article)
    assert totals.killed == 30
    assert totals.disputed == [1]
    assert not any(r.superseded for r in marked)
