"""Turn model outputs into raw records tied to the sentence they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.outformat import ParseFailure, RawRecord, parse_output
from summarizer.prompt import Prompt
from summarizer.segment import Sentence


@dataclass(frozen=True)
class SentenceRecord:
    record: RawRecord
    sentence: Sentence


def parse_all(
    prompts: Sequence[Prompt], outputs: Sequence[str]
) -> tuple[list[SentenceRecord], list[ParseFailure]]:
    records: list[SentenceRecord] = []
    failures: list[ParseFailure] = []
    for prompt, output in zip(prompts, outputs, strict=True):
        parsed, failed = parse_output(prompt.section, output)
        records.extend(SentenceRecord(r, prompt.sentence) for r in parsed)
        failures.extend(failed)
    return records, failures
