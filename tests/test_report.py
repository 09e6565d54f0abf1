"""The HTML report and the Jupyter views: content, escaping, size, and the theme filter in a real browser."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLES, skip_or_fail
from markupsafe import escape

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument
from qualcode.views.display import coded_transcript_html, result_html, themes_for, transcript_html
from qualcode.views.report import render_report, write_report

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = "<script>alert(1)</script>"

TEXT_A = f"""Interview with a parent

What brings you to the school?
I: How do you find the school? {XSS}
P: I trust the teachers. They changed the staff again, so much turnover.

It takes time to trust new staff.
I: And the meetings?
P: The meetings take time."""

TEXT_B = """Interview with a teacher

I: Tell me about your week.
T: The week is long and there is never enough time.
I: Anything else?
T: Nothing else to say."""

BOOK = Codebook(
    "tiny",
    [
        Code(
            "trust",
            name="Trust",
            color="#dd8452",
            definition="Confidence in people.",
            rules={"en": Rules(terms=("trust",))},
        ),
        Code(
            "turnover", name="Turnover", color="#c44e52", rules={"en": Rules(terms=("turnover", "new staff"))}
        ),
        Code("time", name="Time", color="#4c72b0", rules={"en": Rules(terms=("time",))}),
    ],
)


def esc(text: str) -> str:
    """``text`` as the templates write it (Jinja2 autoescaping)."""
    return str(escape(text))


def transcript(text: str, doc_id: str, attributes: dict | None = None) -> qc.Transcript:
    t = build_transcript(RawDocument([Block(text)], "txt"), doc_id, language="en")
    t.metadata["attributes"] = dict(attributes or {})
    return t


@pytest.fixture(scope="module")
def tiny() -> tuple[list[qc.Transcript], qc.CodingResult]:
    transcripts = [transcript(TEXT_A, "a", {"role": "parent"}), transcript(TEXT_B, "b", {"role": "teacher"})]
    return transcripts, qc.Coder(BOOK).code(transcripts)


@pytest.fixture(scope="module")
def tiny_html(tiny) -> str:
    transcripts, result = tiny
    return render_report(result, transcripts, title="Tiny study")


@pytest.fixture(scope="module")
def sample() -> tuple[qc.Corpus, qc.CodingResult]:
    corpus = qc.read_corpus(SAMPLES, attributes=SAMPLES.parent / "attributes.csv")
    return corpus, qc.Coder().code(corpus)


def marks(page: str) -> list[tuple[str, str]]:
    """(hover title, text) of every underlined match."""
    return re.findall(r'<mark class="qc-hit[^"]*" title="([^"]*)">([^<]*)</mark>', page)


# --- content -------------------------------------------------------------------------------------------------


def test_report_is_one_self_contained_file(tiny_html):
    assert tiny_html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<link\b|@import|<script[^>]+src=|url\(\s*['\"]?(?:https?:)?//", tiny_html)
    assert not re.search(r'(?:src|href)="(?!#|data:)', tiny_html), "every link is an anchor or inline data"
    assert "data:image/svg+xml;base64," in tiny_html  # charts inline


def test_report_names_the_codebook_documents_and_themes(tiny, tiny_html):
    _, result = tiny
    assert "<title>Tiny study</title>" in tiny_html
    assert BOOK.hash in tiny_html and "tiny" in tiny_html
    for label in ("Trust", "Turnover", "Time"):
        assert label in tiny_html
    assert 'id="doc-1"' in tiny_html and 'id="doc-2"' in tiny_html
    assert tiny_html.count('<a href="#doc-1">a</a>') >= 2  # contents and table rows link to the transcript
    assert "Confidence in people." in tiny_html  # the legend gives the definitions
    totals = re.search(r'<tr class="qc-total">(.*?)</tr>', tiny_html, re.S).group(1)
    assert re.findall(r">(\d+)</td>", totals)[-1] == str(len(result.codings))


def test_every_match_is_underlined_with_its_rule_on_hover(tiny, tiny_html):
    _, result = tiny
    found = marks(tiny_html)
    assert len(found) >= len(result.evidence) > 0
    for row in result.evidence.itertuples():
        assert any(text == esc(row.matched) and esc(row.rule) in title for title, text in found)


def test_overlapping_codes_show_bands_bars_and_names(tiny_html):
    # "I trust the teachers. They changed the staff again, so much turnover." is coded trust and turnover
    block = re.search(
        r'<div class="qc-block qc-paragraph qc-role-participant qc-coded qc-has-c0 qc-has-c1">(.*?)'
        r'<div class="qc-margin">(.*?)</div>',
        tiny_html,
        re.S,
    )
    assert block, "a paragraph coded with two themes"
    assert block.group(1).count('class="qc-bar ') == 2
    assert 'class="qc-run qc-c0 qc-c1" style="--bg:linear-gradient(' in block.group(1)
    assert ">Trust</span>" in block.group(2) and ">Turnover</span>" in block.group(2)


def test_speakers_and_sections_are_marked(tiny_html):
    assert '<span class="qc-speaker" title="interviewer">I</span>' in tiny_html
    assert "qc-role-interviewer" in tiny_html and "qc-role-participant" in tiny_html
    assert re.search(
        r'<div class="qc-block qc-question[^"]*">.*?What brings you to the school\?', tiny_html, re.S
    )
    assert '<span class="qc-speaker qc-cont" title="participant">P</span>' in tiny_html  # later paragraphs of a turn


def test_transcript_text_is_escaped(tiny_html):
    assert esc(XSS) in tiny_html
    assert XSS not in tiny_html
    assert tiny_html.count("<script") == 1  # the page's own filter script only


def test_names_and_ids_are_escaped_everywhere():
    evil = '"><img src=x onerror=alert(2)>'
    book = Codebook("b<i>", [Code("x", name=evil, rules={"en": Rules(terms=("trust",))})])
    t = transcript("I: Do you trust them?", evil, {"role": evil})
    page = render_report(qc.Coder(book).code([t]), [t], title=evil)
    assert "<img src=x" not in page and "<i>" not in page
    assert esc(evil) in page


def test_colours_are_normalised_before_reaching_a_style_attribute():
    book = Codebook("b", [Code("x", color="red;background:url(//x)"), Code("y", color="teal")])
    assert [t.color for t in themes_for(book)] == ["#8c8c8c", "#008080"]


def test_rendering_is_deterministic(tiny):
    transcripts, result = tiny
    assert render_report(result, transcripts) == render_report(result, transcripts)


def test_missing_or_changed_transcripts_are_flagged(tiny):
    transcripts, result = tiny
    changed = dataclasses.replace(transcripts[0], text=transcripts[0].text.replace("trust", "TRUST"))
    page = render_report(result, [changed])
    assert "differs from the text that was coded" in page
    assert "was not given to the report" in page


def test_write_report_is_atomic(tiny, tmp_path, monkeypatch):
    transcripts, result = tiny
    path = write_report(result, transcripts, tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8") == render_report(result, transcripts)
    before = path.read_bytes()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr("qualcode.views.report.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_report(result, transcripts, path, title="Other")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temporary file left


def test_render_report_rejects_what_is_not_a_result(tiny):
    with pytest.raises(TypeError, match="must be a CodingResult"):
        render_report(pd.DataFrame(), tiny[0])


def replicate(corpus: qc.Corpus, result: qc.CodingResult, n: int) -> tuple[list, qc.CodingResult]:
    """``n`` interviews: copies of the samples under new ids, with their codings."""
    transcripts, ids, parts = (
        [],
        [],
        {k: [] for k in ("segments", "codings", "evidence", "document_table", "quotes")},
    )
    while len(transcripts) < n:
        for t in corpus.transcripts[: n - len(transcripts)]:
            new = f"{t.id}-{len(transcripts)}"
            transcripts.append(dataclasses.replace(t, id=new))
            ids.append(new)
            for name, frames in parts.items():
                frame = getattr(result, name)
                frames.append(frame[frame["document"] == t.id].assign(document=new))
    tables = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    return transcripts, dataclasses.replace(result, documents=ids, **tables)


def test_a_report_of_100_interviews_is_under_20_mb_and_navigable(sample, tmp_path):
    transcripts, result = replicate(*sample, 100)
    path = write_report(result, transcripts, tmp_path / "report.html")
    size = path.stat().st_size
    assert size < 20_000_000, f"{size / 1e6:.1f} MB"
    page = path.read_text(encoding="utf-8")
    anchors = re.findall(r'<article class="qc-doc[^"]*" id="(doc-\d+)"', page)
    assert len(anchors) == len(set(anchors)) == 100
    toc = page.split('<ol class="qc-toc">')[1].split("</ol>")[0]
    assert re.findall(r'<a href="#(doc-\d+)">', toc) == anchors


# --- Jupyter views --------------------------------------------------------------------------------------------


def classes(page: str) -> set[str]:
    return {c for attr in re.findall(r'class="([^"]*)"', page) for c in attr.split()}


def test_transcript_html_shows_structure_and_escapes(tiny):
    page = transcript_html(tiny[0][0])
    assert esc(XSS) in page and XSS not in page
    assert '<span class="qc-speaker" title="participant">P</span>' in page and "qc-question" in page
    assert "qc-run" not in classes(page) and "<script" not in page
    assert all(c.startswith("qc-") for c in classes(page))


def test_coded_transcript_html_from_a_result(tiny):
    transcripts, result = tiny
    page = coded_transcript_html(transcripts[0], result, BOOK)
    assert marks(page) and "qc-run" in page and "<script" not in page
    assert "--qc-c-c0:#dd8452" in page
    assert all(c.startswith("qc-") for c in classes(page))


def test_coded_transcript_html_from_codings_without_offsets(tiny):
    transcripts, result = tiny
    human = result.codings[["document", "segment_id", "unit", "code"]].assign(coder="human")
    page = coded_transcript_html(transcripts[0], human, BOOK)
    assert page.count('class="qc-run') == human[human["document"] == "a"]["segment_id"].nunique() == 3
    assert not marks(page)  # no evidence, so nothing underlined
    with pytest.raises(ValueError, match="codebook"):
        coded_transcript_html(transcripts[0], human, None)


def test_result_html_summarises_the_run(tiny):
    _, result = tiny
    page = result_html(result)
    assert BOOK.hash in page and f"{len(result.codings)} codings" in page
    assert page.count('class="qc-codehead') == len(BOOK)
    assert "First coded passages" in page and "<script" not in page


# --- in a browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is absent: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed: pip install playwright")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_report(browser, path: Path, dialogs: list[str] | None = None):
    page = browser.new_page(viewport={"width": 1366, "height": 850})
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    return page


def test_theme_filter_in_the_browser(browser, tiny, tmp_path):
    transcripts, result = tiny
    dialogs: list[str] = []
    page = open_report(browser, write_report(result, transcripts, tmp_path / "r.html"), dialogs)
    trust_paragraph = page.locator(".qc-doc#doc-1 .qc-block.qc-has-c0").first
    time_only = page.locator(".qc-doc#doc-1 .qc-block.qc-has-c2:not(.qc-has-c0)").first
    assert page.locator("#doc-2").is_visible() and time_only.is_visible()

    page.click("button[data-qc-theme=c0]")  # Trust: interview b has none
    assert page.locator("button[data-qc-theme=c0]").get_attribute("aria-pressed") == "true"
    assert page.locator("#doc-1").is_visible() and not page.locator("#doc-2").is_visible()
    assert not page.locator(".qc-toc a[href='#doc-2']").is_visible()
    assert "1 of 2 interviews" in page.locator(".qc-status").inner_text()
    assert trust_paragraph.locator(".qc-chip.qc-c0").is_visible()
    assert not trust_paragraph.locator(".qc-chip.qc-c1").is_visible()  # other themes leave the margin
    tinted = trust_paragraph.locator(".qc-run").evaluate("e => getComputedStyle(e).backgroundColor")
    tint = themes_for(BOOK)[0].tint  # Trust's light tint
    assert tinted == f"rgb({int(tint[1:3], 16)}, {int(tint[3:5], 16)}, {int(tint[5:7], 16)})"
    assert time_only.is_visible()  # context stays until "passages only"

    page.check("#qc-only")
    assert not time_only.is_visible() and trust_paragraph.is_visible()
    assert page.locator(".qc-doc#doc-1 .qc-question").is_visible()  # sections stay as landmarks

    page.click("button[data-qc-theme='']")  # All: coded passages of every theme, uncoded ones hidden
    assert page.locator("#doc-2").is_visible() and time_only.is_visible()
    assert not page.locator(".qc-block:not(.qc-coded):not(.qc-heading):not(.qc-question)").first.is_visible()
    page.uncheck("#qc-only")
    assert page.locator(".qc-block:not(.qc-coded)").first.is_visible()

    hit = page.locator("mark.qc-hit.qc-c0").first
    assert "trust:en:term:trust" in hit.get_attribute("title")
    assert page.get_by_text(XSS).is_visible()  # shown as text...
    assert dialogs == []  # ...and never run
    page.close()


def test_sample_report_screenshots(browser, sample, tmp_path):
    corpus, result = sample
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_report(browser, write_report(result, corpus, tmp_path / "report.html"))
    assert page.get_by_role("heading", name="Coded interviews: qualcode-default").is_visible()
    assert page.get_by_text(result.codebook.hash).first.is_visible()
    first = ARTIFACTS / "report-first-screen.png"
    page.screenshot(path=first)
    assert first.stat().st_size > 10_000

    page.click("button[data-qc-theme=c1]")
    page.check("#qc-only")
    page.locator("#doc-3").evaluate("e => e.scrollIntoView()")
    coded = page.locator("#doc-3 .qc-block.qc-has-c1").first
    assert coded.is_visible()
    assert not page.locator("#doc-3 .qc-block.qc-paragraph:not(.qc-has-c1)").first.is_visible()
    page.screenshot(path=ARTIFACTS / "report-filtered-transcript.png")
    page.close()


def test_a_coded_transcript_displays_its_highlighted_passages_in_jupyter():
    import qualcode as qc
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    t = build_transcript(RawDocument([Block("Les parents ne viennent jamais aux réunions.\nLa cantine ouvre.")],
                                     "txt"), "d", language="fr")
    html = qc.Coder().code_transcript(t)._repr_html_()
    assert "Family engagement" in html and "parents" in html
    assert "La cantine ouvre." in html



def test_the_report_heatmap_colours_shares_and_says_so(tiny_html):
    """The heatmap coloured raw counts, so long interviews dominated (issue 21)."""
    assert "the share of each interview&#39;s passages coded" in tiny_html or \
        "the share of each interview's passages coded" in tiny_html
