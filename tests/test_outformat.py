from __future__ import annotations

import pytest

from summarizer.target_format import parse_output, render_records


def test_render_and_parse_round_trip_several_records() -> None:
    records = [
        {"count": "440", "who": "Kurdish fighters", "outcome": "killed", "according_to": "Turkey"},
        {"count": "four", "who": "its soldiers", "outcome": "killed"},
    ]
    text = render_records("casualties", records)
    assert text == (
        "count: 440; who: Kurdish fighters; outcome: killed; according to: Turkey; when: -; "
        "count: four; who: its soldiers; outcome: killed; according to: -; when: -"
    )
    parsed, failures = parse_output("casualties", text)
    assert failures == []
    assert [r.values for r in parsed] == [
        {
            "count": "440",
            "who": "Kurdish fighters",
            "outcome": "killed",
            "according_to": "Turkey",
            "when": None,
        },
        {
            "count": "four",
            "who": "its soldiers",
            "outcome": "killed",
            "according_to": None,
            "when": None,
        },
    ]


def test_choice_surface_forms_map_back_to_schema_values() -> None:
    text = render_records("orders", [{"kind": "state_of_emergency", "requires": "stay home"}])
    assert "kind: state of emergency" in text
    parsed, _ = parse_output("orders", text)
    assert parsed[0].values["kind"] == "state_of_emergency"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("count: 440; who: Kurdish", "not a whole record"),
        ("count: 4; who: -; outcome: exploded; according to: -; when: -", "not allowed"),
        ("count: 4; who: -; outcome: -; according to: -; when: -", "required field outcome"),
        ("gibberish", "not a whole record"),
        ("  ", "empty output"),
    ],
)
def test_broken_output_is_reported_not_raised(text: str, reason: str) -> None:
    parsed, failures = parse_output("casualties", text)
    assert parsed == []
    assert len(failures) == 1 and reason in failures[0].reason


def test_none_means_no_records_and_case_is_ignored() -> None:
    assert parse_output("escapes", " none ") == ([], [])
    parsed, _ = parse_output(
        "escapes", "COUNT: 950; WHO: IS supporters; ORIGIN: -; ACCORDING TO: -; RECAPTURED: yes"
    )
    assert parsed[0].values["recaptured"] == "yes"
