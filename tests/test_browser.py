"""The HTML pages in a real browser: Debian's headless Chromium renders the seeds' briefs and
a dossier to PNG, and its DOM keeps every highlight and no script from an article.

CI installs chromium (.ci/run) and sets SUMMARIZER_REQUIRE_BROWSER=1, so there the test fails
rather than skips when the browser is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from summarizer.api import Summarizer
from summarizer.ingest import Article, read_article
from summarizer.views.dossier import dossier_html
from summarizer.views.html import briefs_page
from tests.conftest import LONG_SEED, SHORT_SEED

pytestmark = [pytest.mark.slow, pytest.mark.model]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MARKUP = "Police said 12 people were killed at the <script>document.title='x'</script> market."


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("SUMMARIZER_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return found


def _chromium(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [_browser(), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", *flags, page.as_uri()]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def pages(shipped_backend, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    reader = Summarizer.with_backend(shipped_backend)
    seeds = [read_article(SHORT_SEED), read_article(LONG_SEED)]
    planted = Article("planted.txt", MARKUP * 3)
    briefs = reader.briefs([*seeds, planted])
    folder = tmp_path_factory.mktemp("pages")
    written = {
        "briefs": briefs_page(
            "Seeds", [(a.text, b) for a, b in zip([*seeds, planted], briefs, strict=True)]
        ),
        "dossier": dossier_html(reader.dossier(seeds), [a.text for a in seeds]),
    }
    for name, html in written.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    return {name: folder / f"{name}.html" for name in written}


@pytest.mark.parametrize("name", ["briefs", "dossier"])
def test_chromium_renders_the_page_to_png(pages: dict[str, Path], name: str) -> None:
    shot = pages[name].with_suffix(".png")
    done = _chromium(pages[name], f"--screenshot={shot}", "--window-size=1200,2400")
    assert shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000  # a blank page is a few KB


def test_the_rendered_dom_keeps_every_highlight_and_no_article_script(
    pages: dict[str, Path],
) -> None:
    source = pages["briefs"].read_text(encoding="utf-8")
    done = _chromium(pages["briefs"], "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count('class="ev ') == source.count('class="ev ') > 0
    assert dom.count("<script") == 1  # the page's own: the article's renders as text
    assert "&lt;script&gt;document.title='x'&lt;/script&gt;" in dom
    assert "<title>Seeds</title>" in dom  # the article's script never ran
