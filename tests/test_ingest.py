from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import errors
from summarizer.ingest import parse_article, read_article
from tests.conftest import LONG_SEED

PROSE = "The council said the bridge on the main road would be closed for repairs from Monday. " * 3


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", errors.EmptyInput, "empty"),
        (b"   \n\n ", errors.EmptyInput, "empty"),
        (b"\x00\x01\x02binary" * 10, errors.BinaryInput, "binary"),
        ("caf\u00e9 ".encode("latin-1") * 50, errors.NotUtf8, "UTF-8"),
        (
            b"<!DOCTYPE html><html><body>" + PROSE.encode() + b"</body></html>",
            errors.NotAnArticle,
            "HTML",
        ),
        (b"12 345 678 " * 40, errors.NotAnArticle, "words"),
        (
            "Der Rat sagte, die Br\u00fccke werde ab Montag gesperrt. ".encode() * 5,
            errors.NotAnArticle,
            "English",
        ),
        (b"Too short to be news.", errors.NotAnArticle, "too short"),
        (b"apple banana cherry grape lemon mango", errors.NotAnArticle, "too short"),
        (b"def main(): return run(argv) if argv else None " * 3, errors.NotAnArticle, "English"),
    ],
)
def test_bad_inputs_raise_typed_errors(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_article(data, source="x.txt")


@pytest.mark.parametrize(
    "report",
    [
        "Gunmen shot dead a shopkeeper in Dunmore.",
        "Two SRF troopers killed, 3 injured in IED blast, Karo District, Lemar State.",
        "Police arrested the KLF area commander, Tobi Ansah, near Fenn.",
    ],
)
def test_short_and_terse_reports_are_articles(report: str) -> None:
    assert parse_article(report.encode(), source="x.txt").text == report


def test_missing_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(errors.MissingInput):
        read_article(tmp_path / "nope.txt")
    big = tmp_path / "big.txt"
    big.write_text(PROSE * 100)
    with pytest.raises(errors.InputTooLarge, match="over the limit"):
        read_article(big, max_bytes=1000)


def test_article_text_is_kept_verbatim() -> None:
    article = read_article(LONG_SEED)
    assert article.text == LONG_SEED.read_text(encoding="utf-8")
    assert len(article.sha256) == 64


def test_a_file_that_cannot_be_read_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text(PROSE)

    def refuse(_: Path) -> bytes:  # as a file without read permission does; tests run as root
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(errors.UnreadableInput, match=r"locked\.txt: cannot be read"):
        read_article(locked)
