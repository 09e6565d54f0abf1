"""The coding widget end to end: a real JupyterLab, Debian's Chromium driven by Playwright, the SQLite project.

One test, about half a minute: JupyterLab starts on 127.0.0.1 with a token in a temporary folder holding a
generated notebook and project; the notebook's widget is coded with the mouse and the keyboard, and the
project is then read from Python. It prints the figures of issue 20's targets (a 20,000-word transcript drawn
in the browser, a coding action stored and drawn), and writes them with a screenshot to ``test-artifacts/``;
it does not assert them (timings on a shared machine are not a test).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from conftest import ROOT, SAMPLES, skip_or_fail
from nbformat.v4 import new_code_cell, new_notebook

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SAMPLE = SAMPLES / "en_family_liaison_officer.txt"
# JupyterLab plugins the test has no use for: the "news?" pop-up over the page, and side panels that
# would only slow the page down on a loaded machine.
UNUSED_PLUGINS = ["@jupyterlab/apputils-extension:announcements", "@jupyterlab/debugger-extension",
                  "@jupyterlab/extensionmanager-extension", "@jupyterlab/lsp-extension",
                  "@jupyterlab/toc-extension", "@jupyterlab/terminal-extension", "@jupyterlab/running-extension",
                  "@jupyterlab/pluginmanager-extension", "@jupyterlab/workspaces-extension"]
CELLS = [
    'import qualcode as qc\nproject = qc.open_project("study.qualcode")\n'
    f'qc.CodingWidget(project, {SAMPLE.stem!r}, coder="Ana")',
    'qc.CodingWidget(project, "long", coder="Ana")',
]
# The text node holding a phrase of the widget's transcript, and where the mouse selects it.
FIND = """([root, phrase]) => {
  const doc = document.querySelectorAll('.qc-cw')[root].querySelector('.qc-cw-doc');
  const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(phrase);
    if (i < 0) continue;
    n.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(n, i); range.setEnd(n, i + phrase.length);
    const rects = range.getClientRects(), a = rects[0], b = rects[rects.length - 1];
    return {x0: a.left + 1, y0: a.top + a.height / 2, x1: b.right - 1, y1: b.top + b.height / 2};
  }
  return null;
}"""


def long_transcript() -> qc.Transcript:
    """A 20,000-word interview: 400 turns of 50 words, a third of them with a theme of the default codebook,
    and an emoji, which JavaScript counts as two characters and Python as one."""
    themes = ["It takes time to trust new staff.", "Parents never come to the meetings.", "The weather was fine."]
    turns = []
    for i in range(400):
        words = f"{themes[i % 3]} " + " ".join(f"word{j}" for j in range(50 - len(themes[i % 3].split())))
        turns.append(f"{'I' if i % 2 == 0 else 'P'}: {'😀 ' if i == 0 else ''}{words}")  # one astral character
    return build_transcript(RawDocument([Block("\n".join(turns))], "txt"), "long", language="en")


def build_project(path: Path) -> qc.Transcript:
    """The project of the test: a sample interview and a long one, coded with the default codebook."""
    sample = qc.read_transcript(SAMPLE)
    with qc.open_project(path) as project:
        project.code(qc.Coder(qc.default_codebook()), [sample, long_transcript()])
    return sample


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(folder: Path):
    """JupyterLab serving ``folder`` on 127.0.0.1 with a token; its own config, data and runtime folders."""
    port, token = free_port(), secrets.token_hex(16)
    jupyter = folder / ".jupyter"
    (jupyter / "config" / "labconfig").mkdir(parents=True)
    (jupyter / "config" / "labconfig" / "page_config.json").write_text(  # no "news?" pop-up over the page
        json.dumps({"disabledExtensions": {name: True for name in UNUSED_PLUGINS}})
    )
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(jupyter / "config"), JUPYTER_DATA_DIR=str(jupyter / "data"),
               JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"), IPYTHONDIR=str(jupyter / "ipython"))
    env.pop("MPLBACKEND", None)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={folder}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
               "--ServerApp.jpserver_extensions=jupyter_lsp=False",
               "--ServerApp.jpserver_extensions=jupyter_server_terminals=False"]
    with (folder / "lab.log").open("w") as log:
        lab = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield f"http://127.0.0.1:{port}", token, lab
    finally:
        os.killpg(lab.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            lab.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()


def wait_until_up(base: str, token: str, lab: subprocess.Popen, folder: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.poll() is not None:
            raise AssertionError(f"jupyter lab exited ({lab.returncode}):\n{(folder / 'lab.log').read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return
        time.sleep(0.2)
    raise AssertionError(f"jupyter lab did not answer in {timeout} s:\n{(folder / 'lab.log').read_text()[-3000:]}")


def wait_for_kernel(page, timeout: float = 60) -> None:
    """Wait until the notebook's kernel is idle; accept the kernel JupyterLab proposes if it asks (it does
    when its list of kernels arrives after the notebook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status") == "idle":
            return
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count() and dialog.first.is_visible():
            dialog.first.click()
        time.sleep(0.2)
    raise AssertionError(f"the notebook's kernel was not idle after {timeout} s")


def run_cell(page, index: int) -> float:
    """Run the notebook's cell ``index`` with Shift+Enter; return the seconds until its widget is drawn.

    Once more if the cell did not start: a kernel still connecting can drop the first request."""
    prompt = page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").nth(index)
    for attempt in range(2):
        page.locator(".jp-Notebook .jp-Cell .cm-content").nth(index).click()
        started = time.perf_counter()
        page.keyboard.press("Shift+Enter")
        with contextlib.suppress(Exception):
            page.wait_for_function("el => /\\[[*0-9]/.test(el.textContent)", arg=prompt.element_handle(),
                                   timeout=10_000 if attempt == 0 else 30_000)
            break
    page.locator(".qc-cw[data-qc-ready='true']").nth(index).wait_for(timeout=60_000)
    return time.perf_counter() - started


# each action's time in the kernel, from sending to the answer's arrival in the browser, and drawing it
STAGES: dict[str, list[float]] = {"kernel": [], "wait": [], "draw": []}


def act(page, root, count: int, do) -> float:
    """Do one action in the widget, wait until its answer is drawn; return the browser's round trip (ms)."""
    do()
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.qcActions || 0) >= n", arg=[root.element_handle(), count], timeout=15_000
    )
    for stage, values in STAGES.items():
        values.append(float(root.get_attribute(f"data-qc-last-{stage}-ms") or "nan"))
    return float(root.get_attribute("data-qc-last-action-ms"))


def test_coding_in_jupyterlab(tmp_path):
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is absent: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed: pip install -e '.[test]'")
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        skip_or_fail("jupyterlab is not installed: pip install -e '.[test]'")

    figures: dict[str, float] = {}
    for stage in STAGES.values():
        stage.clear()
    started = time.perf_counter()
    notebook = new_notebook(cells=[new_code_cell(c) for c in CELLS],
                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, tmp_path / "coding.ipynb")
    phrase = "the bridge between home and school"
    with jupyter_lab(tmp_path) as (base, token, lab), ThreadPoolExecutor(1) as pool:
        building = pool.submit(build_project, tmp_path / "study.qualcode")  # while JupyterLab starts and loads
        wait_until_up(base, token, lab, tmp_path)
        figures["JupyterLab up (s)"] = time.perf_counter() - started

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"{base}/lab/tree/coding.ipynb?token={token}")
                wait_for_kernel(page)
                figures["notebook open, kernel idle (s)"] = time.perf_counter() - started
                sample = building.result()
                figures["widget shown after Shift+Enter (s)"] = run_cell(page, 0)
                root = page.locator(".qc-cw").first

                # select a phrase with the mouse, then press the number key of "Trust" (2)
                box = page.evaluate(FIND, [0, phrase])
                assert box is not None, f"{phrase!r} is not shown in the widget"
                page.mouse.move(box["x0"], box["y0"])
                page.mouse.down()
                page.mouse.move(box["x1"], box["y1"], steps=8)
                page.mouse.up()
                assert phrase in root.locator(".qc-cw-selection").inner_text()
                times = [act(page, root, 1, lambda: page.keyboard.press("2"))]
                human = root.locator(".qc-cw-chip.qc-cw-human")
                assert human.count() == 1 and "Trust" in human.first.inner_text()

                # accept one automatic coding with a click, reject another with the keyboard
                autos = root.locator(".qc-cw-chip.qc-cw-auto")
                accepted, rejected = (int(autos.nth(i).get_attribute("data-id")) for i in (0, 1))
                times.append(act(page, root, 2, lambda: autos.first.locator("button[data-act=accept]").click()))
                chip = root.locator(f".qc-cw-chip[data-id='{rejected}'] .qc-cw-chip-label")
                times.append(act(page, root, 3, lambda: (chip.click(), page.keyboard.press("r"))))
                assert root.locator(f".qc-cw-chip[data-id='{rejected}']").count() == 0
                assert root.locator(".qc-cw-chip.qc-cw-human").count() == 2

                # a memo on the hand coding: focus it, m, type, Ctrl+Enter
                root.locator(".qc-cw-chip.qc-cw-human[title*='coded by hand'] .qc-cw-chip-label").click()
                page.keyboard.press("m")
                page.keyboard.type("Ana: the FLO as a bridge")
                times.append(act(page, root, 4, lambda: page.keyboard.press("Control+Enter")))
                assert "the FLO as a bridge" in root.locator(".qc-cw-memo-list").inner_text()
                ARTIFACTS.mkdir(exist_ok=True)
                root.screenshot(path=ARTIFACTS / "coding-widget.png")

                # filter by a code, go to its next open automatic coding, then to the next document
                root.locator(".qc-cw-filter").select_option("turnover")
                root.locator(".qc-cw-doc").click(position={"x": 5, "y": 5})
                page.keyboard.press("n")
                # the chip is scrolled to and drawn in the next frames: off screen, a paragraph's text is not laid
                # out (content-visibility: auto), so its innerText is empty until then
                page.wait_for_function(
                    "root => (root.querySelector('.qc-cw-chip.qc-cw-focus')?.innerText || '').includes('Turnover')",
                    arg=root.element_handle(), timeout=10_000,
                )
                focused = root.locator(".qc-cw-chip.qc-cw-focus")
                assert focused.count() == 1 and "Turnover" in focused.inner_text()
                assert root.locator(".qc-block.qc-cw-out").count() > 0
                page.keyboard.press("]")
                page.wait_for_function("el => el.value === 'long'", arg=root.locator(".qc-cw-doc-select").element_handle())

                # a 20,000-word transcript in a second widget
                figures["20,000 words: widget shown after Shift+Enter (s)"] = run_cell(page, 1)
                long_root = page.locator(".qc-cw").nth(1)
                figures["20,000 words: view created to first frame (ms)"] = float(long_root.get_attribute("data-qc-render-ms"))
                figures["20,000 words: transcript drawn (ms)"] = float(long_root.get_attribute("data-qc-draw-ms"))
                long_auto = long_root.locator(".qc-cw-chip.qc-cw-auto").first
                long_id = long_auto.get_attribute("data-id")
                figures["20,000 words: accept round trip (ms)"] = act(
                    page, long_root, 1, lambda: long_auto.locator("button[data-act=accept]").click()
                )
                assert long_root.locator(f".qc-cw-chip[data-id='{long_id}']").count() == 0
                assert long_root.locator(".qc-cw-chip.qc-cw-human").count() == 1
                # the first widget shows the long transcript too: the kernel sent it the same changes
                page.wait_for_function(
                    "([a, b]) => a.innerText === b.innerText",
                    arg=[root.locator(".qc-cw-codes").element_handle(), long_root.locator(".qc-cw-codes").element_handle()],
                    timeout=5_000,
                )
                # after the emoji: the offsets the browser sends are code points, as Python counts them
                box = page.evaluate(FIND, [1, "word3 word4"])
                page.mouse.move(box["x0"], box["y0"])
                page.mouse.down()
                page.mouse.move(box["x1"], box["y1"], steps=4)
                page.mouse.up()
                act(page, long_root, 2, lambda: page.keyboard.press("1"))
                assert long_root.locator(".qc-cw-status").inner_text() == "Coded as temporality."
                assert errors == [], errors
            except Exception:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / "coding-widget-failure.png")
                outputs = "\n".join(page.locator(".jp-OutputArea, .jp-Dialog").all_inner_texts())
                print(f"page errors: {errors}\noutputs:\n{outputs}\nlab.log:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                raise
            finally:
                browser.close()
    figures["coding action round trip, median of 4 (ms)"] = statistics.median(times)
    figures["coding action round trip, max of 4 (ms)"] = max(times)
    for stage, name in [("kernel", "in the kernel"), ("wait", "sent to answer arrived"), ("draw", "drawing the answer")]:
        figures[f"coding action: {name}, median of 4 (ms)"] = statistics.median(STAGES[stage][: len(times)])
        figures[f"20,000 words: accept, {name} (ms)"] = STAGES[stage][len(times)]
    figures["whole test (s)"] = time.perf_counter() - started

    with qc.open_project(tmp_path / "study.qualcode") as project:
        codings = project.codings("Ana", placed_only=False)
        start = sample.text.index(phrase)
        coded = codings[codings["decision"].isna() & (codings["document"] == sample.id)]
        assert list(zip(coded["code"], coded["start"], coded["end"], coded["text"], strict=True)) == [
            ("trust", start, start + len(phrase), phrase)
        ]
        autos = project.codings(document=sample.id, placed_only=False).set_index("id")
        decided = codings[codings["document"] == sample.id].dropna(subset=["decision"])
        assert {(r.code, r.start, r.end, r.decision) for r in decided.itertuples()} == {
            (autos.loc[accepted, "code"], autos.loc[accepted, "start"], autos.loc[accepted, "end"], "accepted"),
            (autos.loc[rejected, "code"], autos.loc[rejected, "start"], autos.loc[rejected, "end"], "rejected"),
        }
        memos = project.memos(document=sample.id)
        hand_id = int(coded["id"].iloc[0])
        assert list(zip(memos["author"], memos["coding"], memos["text"], strict=True)) == [
            ("Ana", hand_id, "Ana: the FLO as a bridge")
        ]
        long = project.codings("Ana", document="long")
        text = project.transcript("long").text
        assert len(long) == 2 and text.index("😀") < text.index("word3 word4")
        [hand] = long[long["decision"].isna()].itertuples()
        assert (hand.code, hand.start, hand.end) == ("temporality", text.index("word3 word4"),
                                                     text.index("word3 word4") + len("word3 word4"))

    report = "\n".join(f"  {name}: {value:.1f}" for name, value in figures.items())
    print(f"\ncoding widget in JupyterLab + Chromium:\n{report}")
    (ARTIFACTS / "coding-widget-timings.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
