"""Build qualcode's example notebooks, run them and save them with their outputs.

Usage, from the repository root::

    .venv/bin/python notebooks/build_notebooks.py              # build, execute and save all notebooks
    .venv/bin/python notebooks/build_notebooks.py 02 04        # only those whose name starts with 02 or 04
    .venv/bin/python notebooks/build_notebooks.py --no-execute # write them without outputs

The notebooks run with this folder as working directory (data paths are ``../data/...``) and write only to
``output/`` (git-ignored) or to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNEL = "python3"
CELL_TIMEOUT = 300

SETUP = """\
from pathlib import Path

import pandas as pd

import qualcode as qc

pd.set_option("display.max_colwidth", 90)
DATA = Path("../data")
OUTPUT = Path("output")"""

LOAD = """\
corpus = qc.read_corpus(DATA / "samples", attributes=DATA / "attributes.csv")
codebook = qc.default_codebook()
result = qc.Coder(codebook, unit="paragraph").code(corpus)
print(f"{len(corpus)} interviews, {len(result.codings)} coded paragraphs x codes")"""


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(textwrap.dedent(text).strip())


# --- 01 ----------------------------------------------------------------------------------------------------

QUICKSTART = [
    md("""
    # 1. Quickstart: from transcripts to themes

    You have a folder of interview transcripts and a spreadsheet describing the participants. In this
    notebook you load them, code them with qualcode's default codebook (four themes: *temporality*,
    *trust*, *family engagement* and *turnover*), check what was coded and why, and chart how often each
    theme comes up in each interview.

    The data are the 13 invented sample interviews in `../data/samples` (French and English, in Word, PDF,
    subtitle, Praat and plain-text formats). The table you export goes to `output/`, beside this notebook.
    """),
    code(SETUP),
    md("""
    ## Load the interviews

    `read_corpus` reads every transcript it can in the folder (subfolders included) and joins each
    participant's attributes from the CSV file, matching its `document` column to the file names.
    """),
    code("""
    corpus = qc.read_corpus(DATA / "samples", attributes=DATA / "attributes.csv")
    print(f"{len(corpus)} transcripts read, {len(corpus.errors)} unreadable")
    """),
    md("""
    The summary has one row per interview: the format and encoding detected, the language, the size, the
    structure found (speaker turns, interview-guide sections, verbatim quotes), then the participant's
    attributes.
    """),
    code("corpus.summary()"),
    md("""
    ## Code with the default codebook

    Each theme of the codebook has a definition and rules: terms, words close to each other, patterns.
    The coder applies them to every paragraph; a paragraph gets a theme when one of its rules matches.
    """),
    code("""
    codebook = qc.default_codebook()
    print("\\n".join(codebook.tree()))
    """),
    code("""
    result = qc.Coder(codebook, unit="paragraph").code(corpus)
    result
    """),
    md("""
    ## Read one interview with its coded passages

    This is the headteacher's interview as the coder saw it: each coded paragraph is tinted in its theme's
    colour, with the theme named in the margin; the words that triggered a code are underlined (hover over
    them to see the rule). Reading a few interviews this way is the quickest check of the codebook.
    """),
    code("""
    from IPython.display import HTML

    from qualcode.views.display import coded_transcript_html

    HTML(coded_transcript_html(corpus["en_headteacher"], result))
    """),
    md("""
    ## Why was a passage coded?

    Every coding keeps the words that matched (`matched`) and the rule that fired (`rule`: theme, language,
    kind of rule, rule), so a surprising coding can be traced back to the codebook.
    """),
    code("""
    result.codings[["document", "segment_id", "code", "matched", "rule", "text"]].head(8)
    """),
    md("""
    `evidence` goes one step further: one row per match, with its position in the transcript
    (`start`, `end`: character offsets). Here, the paragraph of the headteacher's interview with the most
    matches, and its matches.
    """),
    code("""
    evidence = result.evidence
    headteacher = evidence[evidence["document"] == "en_headteacher"]
    busiest = headteacher["segment_id"].value_counts().idxmax()
    print(corpus["en_headteacher"].segments("paragraph")[busiest - 1].text)
    headteacher[headteacher["segment_id"] == busiest]
    """),
    md("""
    ## How often does each theme come up?

    `theme_frequency` gives, for each interview and theme, the number of coded paragraphs (`segments`),
    their share of the interview's paragraphs and the share of its text they cover. `theme_matrix` turns it
    into the usual interviews x themes table.
    """),
    code("""
    frequency = qc.theme_frequency(result)
    frequency.head()
    """),
    code("""
    table = qc.theme_matrix(frequency, totals=True)
    table
    """),
    code("ax = qc.plot_theme_frequency(frequency, codebook=codebook)"),
    md("""
    Interviews differ in length, so counts are hard to compare. The heatmap shows instead the share of each
    interview's paragraphs that carry the theme.
    """),
    code('ax = qc.plot_theme_heatmap(frequency, codebook=codebook, value="share")'),
    md("""
    ## Export the table

    The theme table goes to a CSV file that opens in a spreadsheet. (From a terminal,
    `qualcode code ../data/samples --attributes ../data/attributes.csv --out results` writes this table and
    all the others, with the charts, in one go.)
    """),
    code("""
    OUTPUT.mkdir(exist_ok=True)
    table.to_csv(OUTPUT / "theme_frequency.csv")
    print((OUTPUT / "theme_frequency.csv").read_text(encoding="utf-8"))
    """),
]

# --- 02 ----------------------------------------------------------------------------------------------------

GROUPS = [
    md("""
    # 2. Comparing groups, finding themes that go together, quoting

    Do headteachers talk about trust as much as parents do? Which themes come up in the same passages?
    Which passages would you quote? This notebook compares the themes across participants' roles, measures
    how often two themes are coded on the same paragraph, and retrieves passages, quotations and keywords
    in context to cite in a report.
    """),
    code(SETUP),
    code(LOAD),
    md("""
    ## The participants

    The attributes from `attributes.csv` are in the document table, one row per interview. Some roles have
    a single interview: read their figures as one person's view, not a group's.
    """),
    code('result.document_table[["document", "role", "site", "language", "words", "segments"]]'),
    code('result.document_table["role"].value_counts()'),
    md("""
    ## Themes by role

    `theme_by_attribute` pools the interviews of each role: `share` is the share of the group's
    paragraphs coded with the theme, which compares groups whose interviews differ in number and length;
    `documents_coded` says in how many of the group's interviews the theme appears at all.
    """),
    code("""
    by_role = qc.theme_by_attribute(result, "role")
    by_role.head(8)
    """),
    code('qc.theme_matrix(by_role, "share").style.format("{:.0%}")'),
    code('ax = qc.plot_theme_by_attribute(by_role, "role", codebook=codebook, value="share")'),
    md("""
    ## Which themes go together?

    `cooccurrence` counts, for each pair of themes, the paragraphs coded with both (`n_ab`).
    The **c-coefficient** is n_ab / (n_a + n_b − n_ab): the share of the paragraphs coded with either theme
    that carry both (0: never together, 1: always together), as ATLAS.ti reports it.
    """),
    code("""
    pairs = qc.cooccurrence(result)
    pairs.sort_values("c_coefficient", ascending=False)
    """),
    code('qc.cooccurrence_matrix(pairs, "c_coefficient").round(2)'),
    code('ax = qc.plot_cooccurrence(pairs, codebook=codebook, value="c_coefficient")'),
    md("""
    An interviewee's answer often spreads over a few paragraphs. With `window=1`, two themes also count
    as together when they are on neighbouring paragraphs of the same interview.
    """),
    code('qc.cooccurrence(result, window=1).sort_values("c_coefficient", ascending=False).head(3)'),
    md("""
    ## Passages and quotes to cite

    `retrieve` returns the coded paragraphs with their speaker, section and the participant's attributes.
    With `quotes_only=True` it returns only the verbatim quotations («…», "…") inside them: here, the
    quotes in paragraphs about trust.
    """),
    code("""
    quotes = qc.retrieve(result, "trust", quotes_only=True)
    quotes[["document", "speaker", "role", "quote"]]
    """),
    md("""
    Themes combine: `all_of` (and), `any_of` (or) and `none_of` (not). The paragraphs where trust and
    turnover meet, for instance, tell what staff changes do to relationships:
    """),
    code("""
    both = qc.retrieve(result, all_of=["trust", "turnover"])
    both[["document", "segment_id", "speaker", "codes", "text"]]
    """),
    code("""
    trust_only = qc.retrieve(result, "trust", none_of=["family_engagement"])
    print(f"{len(trust_only)} paragraphs about trust that do not mention families")
    """),
    md("""
    ## A word in context

    `kwic` (keyword in context) lists every occurrence of a word with the words around it. It matches
    lemmas, so `parent` also finds *parents* and *Parents*, in both languages. Here, the first occurrence
    in each interview.
    """),
    code("""
    in_context = qc.kwic(corpus, "parent", window=6)
    print(f"{len(in_context)} occurrences")
    first = in_context.groupby("document").head(1)[["document", "speaker", "left", "match", "right"]]
    first.style.set_properties(subset=["left"], **{"text-align": "right"}).format(na_rep="").hide(axis="index")
    """),
]

# --- 03 ----------------------------------------------------------------------------------------------------

REFINE = [
    md("""
    # 3. Refining a codebook

    The default codebook is a starting point. Reading coded passages, you will want to change rules: a word
    that is missing, one that codes too much, a phrase that should not count. This notebook copies the
    default codebook into a file of your own, changes three rules of the *trust* theme, codes the
    interviews again and lists exactly which codings each change added or removed, so that you can check
    every one before adopting the new codebook.
    """),
    code(SETUP),
    code("""
    corpus = qc.read_corpus(DATA / "samples", attributes=DATA / "attributes.csv")
    default = qc.default_codebook()
    before = qc.Coder(default).code(corpus)
    """),
    md("""
    ## Copy the default codebook

    A codebook is plain data (`to_dict()`), saved as a YAML file you can also edit by hand. Here is the
    start of the copy, then the English rules of the trust theme.
    """),
    code("""
    OUTPUT.mkdir(exist_ok=True)
    qc.write_codebook(default, OUTPUT / "my_codebook.yml")
    print("\\n".join((OUTPUT / "my_codebook.yml").read_text(encoding="utf-8").splitlines()[:12]))
    """),
    code("""
    data = default.to_dict()
    data["name"] = "my-codebook"
    trust = next(c for c in data["codes"] if c["id"] == "trust")
    english, french = trust["rules"]["en"], trust["rules"]["fr"]
    print("terms:", ", ".join(english["terms"]))
    print("exclude:", ", ".join(english["exclude"]))
    """),
    md("""
    ## Change three rules

    * **add terms**: interviewees often speak of trust as *relationships* with families, without the word
      *trust*;
    * **remove a term**: French *malentendu* (a misunderstanding) is often a slip of communication, not
      distrust;
    * **add a term with an exclusion**: *honest* says something about trust, but *to be honest* is a
      filler. An exclusion cancels the theme in the whole paragraph where the phrase appears.
    """),
    code("""
    english["terms"] += ["relationship", "relationships", "honest"]
    french["terms"].remove("malentendu")
    english["exclude"].append("to be honest")
    """),
    md("""
    `codebook_from_dict` checks the changed codebook (a typo in a rule is reported with the code it is in);
    we save it and read it back, as you would a file edited by hand.
    """),
    code("""
    from qualcode.ingest.codebook_io import codebook_from_dict

    qc.write_codebook(codebook_from_dict(data), OUTPUT / "my_codebook.yml")
    mine = qc.read_codebook(OUTPUT / "my_codebook.yml")
    print(mine.name, mine.hash)
    """),
    md("""
    ## Code again and see what changed

    `compare` lines up the codings of two runs by interview, paragraph and theme, and keeps those found in
    only one of them, with the rules that fired before and after.
    """),
    code("""
    KEY = ["document", "segment_id", "code"]


    def compare(before, after):
        both = before.codings[[*KEY, "rule"]].merge(
            after.codings[[*KEY, "rule"]], on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True
        )
        changed = both[both["_merge"] != "both"].copy()
        changed["change"] = changed["_merge"].map({"left_only": "removed", "right_only": "added"})
        changed = changed.merge(after.segments[["document", "segment_id", "text"]], on=["document", "segment_id"])
        columns = [*KEY, "change", "rule_before", "rule_after", "text"]
        return changed[columns].fillna({"rule_before": "", "rule_after": ""}).reset_index(drop=True)
    """),
    code("""
    after = qc.Coder(mine).code(corpus)
    changes = compare(before, after)
    changes
    """),
    md("""
    The table cuts long paragraphs; here are the removed ones in full.
    """),
    code("""
    import textwrap

    for row in changes[changes["change"] == "removed"].itertuples():
        print(f"{row.document}, paragraph {row.segment_id}, was {row.rule_before}:")
        print(textwrap.fill(row.text, 110), end="\\n\\n")
    """),
    md("""
    Read every row. The added ones come from *relationship(s)*, and a paragraph lost its *malentendu*
    coding, as intended. But check the other removals: an exclusion cancels the theme in the whole
    paragraph, so *to be honest* also removes trust from a paragraph where *honest* is meant (the family
    liaison officer's "you have to be honest when it's bad news" holds the phrase). *Honest* added nothing
    the other rules did not already find: take it out with its exclusion and compare again.
    """),
    code("""
    english["terms"].remove("honest")
    english["exclude"].remove("to be honest")
    qc.write_codebook(codebook_from_dict(data), OUTPUT / "my_codebook.yml")
    mine = qc.read_codebook(OUTPUT / "my_codebook.yml")
    after = qc.Coder(mine).code(corpus)
    changes = compare(before, after)
    changes
    """),
    md("""
    ## The theme table, before and after

    Each cell gives the number of coded paragraphs with the new codebook and, in brackets, the change.
    """),
    code("""
    table_before = qc.theme_matrix(qc.theme_frequency(before), totals=True)
    table_after = qc.theme_matrix(qc.theme_frequency(after), totals=True)
    difference = table_after - table_before
    (table_after.astype(str) + difference.map(lambda d: f" ({d:+d})" if d else "")).loc[
        (difference != 0).any(axis=1)
    ]
    """),
    md("""
    The codebook is in `output/my_codebook.yml`. From a terminal, `qualcode codebook check
    output/my_codebook.yml` validates it and `qualcode code ../data/samples --codebook
    output/my_codebook.yml --out results` codes with it.
    """),
]

# --- 04 ----------------------------------------------------------------------------------------------------

TWO_CODERS = [
    md("""
    # 4. Two coders: reviewing the automatic coding and measuring agreement

    Automatic coding is a first pass. In a study, a person checks it, and a second person codes some of the
    same interviews independently, so that you can report how far coders agree. This notebook plays that
    workflow in a project database (one SQLite file, here in a temporary folder): the machine codes every
    interview; **Ana** reviews its codings in two interviews, rejecting some and adding her own; **Ben**
    codes the same two interviews by hand; then we measure agreement and look at where they differ.

    Ana and Ben are simulated by a few lines of code so that the notebook runs on its own. In a real project
    Ana would fill the review sheet in a spreadsheet, and Ben would code in the same way.
    """),
    code("""
    import re
    import tempfile
    from pathlib import Path

    import matplotlib.pyplot as plt
    import pandas as pd

    import qualcode as qc
    from qualcode.project.results import project_agreement
    from qualcode.project.reviewing import export_review, import_review

    pd.set_option("display.max_colwidth", 70)
    DATA = Path("../data")
    workdir = tempfile.TemporaryDirectory()
    folder = Path(workdir.name)
    """),
    md("""
    ## Automatic coding into a project

    `Project.code` stores the interviews and the automatic codings, under the coder name
    `auto:<codebook name>`. Human codings are stored beside them and are never touched by a new automatic
    run.
    """),
    code("""
    corpus = qc.read_corpus(DATA / "samples", attributes=DATA / "attributes.csv")
    codebook = qc.default_codebook()
    project = qc.open_project(folder / "study.qcproj")
    print(project.code(qc.Coder(codebook), corpus))
    AUTO = f"auto:{codebook.name}"
    """),
    code("""
    REVIEWED = ["en_headteacher", "fr_mediatrice"]
    INTERVIEWERS = {"Interviewer", "Sophie"}  # the speaker names of the interviewer in those two interviews
    project.codings(AUTO, document="en_headteacher")[["id", "segment_id", "code", "rule", "text"]].head()
    """),
    md("""
    ## Ana reviews the automatic codings

    Ana codes what participants say, not the interviewer's questions. She starts in Python:
    `undecided` lists the automatic codings she has not decided on yet, and she rejects those on the
    headteacher interviewer's questions. A rejection is kept: the next automatic run will not bring the
    coding back into her work.
    """),
    code("""
    todo = project.undecided("Ana", auto_coder=AUTO)
    todo = todo[todo["document"] == "en_headteacher"]
    speakers = {s.segment_id: s.speaker for s in project.segments("en_headteacher")}
    questions = todo[todo["segment_id"].map(speakers).isin(INTERVIEWERS)]
    for coding_id in questions["id"]:
        project.reject(int(coding_id), coder="Ana")
    questions[["segment_id", "code", "text"]]
    """),
    md("""
    For the rest she uses a **review sheet**: one row per paragraph of the two interviews, one column per
    theme, prefilled with the automatic codings (`1`) minus those she has already rejected. She marks or
    clears theme cells, ticks `reviewed` on the rows she has read, and may write a comment.
    """),
    code("""
    sheet_path = folder / "review_ana.csv"
    export = export_review(project, sheet_path, coder="Ana", documents=REVIEWED)
    print(export)
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sheet[["document", "segment_id", "speaker", "text", *export.codes, "reviewed"]].head(6)
    """),
    md("""
    Ana's reading, simulated: she clears the interviewer's questions of the mediator's interview too, adds
    *trust* where participants talk about a relationship or a link with families (*lien*), and leaves a
    comment. Then she ticks every row as reviewed, and the sheet is imported back into the project.
    """),
    code("""
    question = sheet["speaker"].isin(INTERVIEWERS)
    sheet.loc[question, list(export.codes)] = ""
    relationship = sheet["text"].str.contains(r"relationship|\\blien\\b", case=False)
    sheet.loc[relationship & ~question, "trust"] = "1"
    sheet.loc[sheet.index[-1], "comment"] = "Her one-year contract: compare with the CLAS coordinator."
    sheet["reviewed"] = "1"
    sheet.to_csv(sheet_path, index=False, encoding="utf-8-sig")
    print(import_review(project, sheet_path, coder="Ana"))
    """),
    md("""
    Ana also creates a code of her own, not in the codebook: *language*, for passages about language
    barriers and translation (`new_code=True`: a code the project does not have is otherwise refused as a
    likely typo, with the nearest codes).
    """),
    code("""
    for document in REVIEWED:
        for segment in project.segments(document):
            if segment.speaker not in INTERVIEWERS and re.search(r"language|tradu|translat", segment.text, re.I):
                project.add_coding(document, "language", coder="Ana", unit="paragraph", segment_id=segment.segment_id,
                                   new_code=True)  # a code the project does not have yet: created on purpose
    project.codings("Ana").groupby("code").size()
    """),
    md("""
    Ana's coding of the headteacher's interview, as she left it:
    """),
    code("""
    from IPython.display import HTML

    from qualcode.views.display import coded_transcript_html

    anas = project.codings("Ana", document="en_headteacher")
    HTML(coded_transcript_html(project.transcript("en_headteacher"), anas, codebook))
    """),
    md("""
    ## Ben codes the same interviews

    Ben codes the participants' paragraphs of the two interviews without seeing the machine's or Ana's
    work. His reading is simulated by a few keywords per theme, and each coding is recorded with
    `add_coding`.
    """),
    code("""
    BEN_READS = {
        "temporality": r"\\btime\\b|\\btemps\\b|\\byears\\b|\\bans\\b|longtemps",
        "trust": r"trust|confian|méfi|relationship",
        "family_engagement": r"parent|famil",
        "turnover": r"\\bleft\\b|\\bleave|partir|parti\\b|remplac|nouveau|nouvelle",
    }
    for document in REVIEWED:
        for segment in project.segments(document):
            if segment.speaker is None or segment.speaker in INTERVIEWERS:
                continue
            for code, words in BEN_READS.items():
                if re.search(words, segment.text, re.I):
                    project.add_coding(document, code, coder="Ben", unit="paragraph", segment_id=segment.segment_id)
    project.codings("Ben").groupby("code").size()
    """),
    md("""
    ## Agreement

    `project_agreement` compares coders paragraph by paragraph, theme by theme, on the interviews both have
    coded (`units`: paragraphs). **Percent agreement** is the share of paragraphs where both made the same
    decision; **Cohen's kappa** and **Krippendorff's alpha** correct it for the agreement expected by
    chance (1: perfect, 0: no better than chance). A statistic that cannot be computed is left empty and
    `reason` says why: here the machine and Ben never use Ana's own code *language*, so nothing varies.
    """),
    code("""
    codes = [*codebook.ids, "language"]
    tables = {
        f"{a} vs {b}": project_agreement(project, [a, b], codes=codes)
        for a, b in [(AUTO, "Ana"), (AUTO, "Ben"), ("Ana", "Ben")]
    }
    agreement = pd.concat(tables, names=["coders", None]).droplevel(1).reset_index()
    columns = ["coders", "code", "units", "percent_agreement", "cohen_kappa", "krippendorff_alpha", "reason"]
    agreement[columns].round(2)
    """),
    md("""
    With three coders at once, Cohen's kappa (made for two) is undefined, and the reason says which
    statistics to read instead.
    """),
    code("""
    three = project_agreement(project, [AUTO, "Ana", "Ben"], codes=codebook.ids)
    three[["code", "units", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "reason"]].round(2)
    """),
    md("""
    ## Where do the coders disagree?

    For each pair of coders and each theme, the paragraphs of the two interviews that one coder of the pair
    coded with the theme and the other did not.
    """),
    code("""
    def coded(coder):
        rows = project.codings(coder)
        rows = rows[rows["document"].isin(REVIEWED)]
        return set(zip(rows["document"], rows["segment_id"].astype(int), rows["code"], strict=True))


    def disagreements(a, b):
        only_a, only_b = coded(a) - coded(b), coded(b) - coded(a)
        return pd.DataFrame(
            {a: [sum(c == code for *_, c in only_a) for code in codes],
             b: [sum(c == code for *_, c in only_b) for code in codes]},
            index=[codebook[c].label() if c in codebook else f"{c.capitalize()} (Ana's code)" for c in codes],
        )
    """),
    code("""
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    COLOURS = {AUTO: "#8C8C8C", "Ana": "#4C72B0", "Ben": "#DD8452"}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharex=True, sharey=True, layout="constrained")
    for ax, (a, b) in zip(axes, [(AUTO, "Ana"), (AUTO, "Ben"), ("Ana", "Ben")], strict=True):
        counts = disagreements(a, b)
        counts.plot.barh(ax=ax, stacked=True, color=[COLOURS[a], COLOURS[b]], width=0.7, legend=False)
        ax.set_title(f"{a} vs {b}", fontsize="medium")
        ax.set_xlabel("Paragraphs")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    axes[0].invert_yaxis()  # shared: once for all, first theme on top
    legend = [Patch(color=colour, label=f"coded by {coder} only") for coder, colour in COLOURS.items()]
    fig.legend(handles=legend, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle("Where the coders disagree: paragraphs coded by one coder of the pair only")
    plt.show()
    """),
    md("""
    The chart says where to look; the paragraphs say why. Here are those where Ana and Ben disagree on
    *trust*, to discuss together and sharpen the definition of the theme.
    """),
    code("""
    ana, ben = coded("Ana"), coded("Ben")
    segments = pd.DataFrame([s._asdict() for d in REVIEWED for s in project.segments(d)])
    keys = list(zip(segments["document"], segments["segment_id"], strict=True))
    segments["Ana"] = [(d, i, "trust") in ana for d, i in keys]
    segments["Ben"] = [(d, i, "trust") in ben for d, i in keys]
    segments.loc[segments["Ana"] != segments["Ben"], ["document", "segment_id", "Ana", "Ben", "text"]]
    """),
    md("""
    ## A memo

    Memos keep the reasoning beside the data: on a document, a code, or a coding. Ana's comment from the
    review sheet is already one.
    """),
    code("""
    project.add_memo(
        "Ben codes trust whenever 'confiance' or 'relationship' appears; Ana only when the relationship itself "
        "is at stake. Agreed: code trust when a relationship is built, damaged or relied on.",
        author="Ana",
        code="trust",
    )
    project.memos()[["author", "document", "code", "text"]]
    """),
    code("""
    project.close()
    workdir.cleanup()
    """),
]

# --- 05 ----------------------------------------------------------------------------------------------------

IN_JUPYTER = [
    md("""
    # 5. Coding interviews in Jupyter

    `qc.CodingWidget` shows an interview of a project the way the HTML report does (speakers and their
    roles, interview-guide questions, the codes as coloured bars in the margin) beside the codebook as a
    palette. You code it with the mouse and the keyboard, and every action is stored in the project at
    once, in one transaction: re-running the cell, restarting the kernel or running `qualcode project`
    commands shows the same state.

    | to... | do |
    |---|---|
    | code a passage | select it with the mouse, then press the code's number (`1`-`9`, `0`) or click the code |
    | add a code of your own | select, type its id under the palette, `Enter` |
    | focus a coding | click its name in the margin (or its text) |
    | remove your coding | focus it, `Delete` (or its `×`) |
    | accept / reject an automatic coding | its `✓` / `✗`, or focus it and press `a` / `r` |
    | go to the next / previous open automatic coding | `n` / `p` |
    | write a memo | `m` (on the focused coding, else on the interview), then `Ctrl+Enter` |
    | show one code only | the *Code* list |
    | change interview | the list at the top, or `[` / `]` |

    Automatic codings are drawn apart from yours: dashed bars and underlines, and ✓/✗ in the margin. The
    suggestions of a person's suggestion coder (`auto:suggest:<name>`) are drawn the same way, marked
    *suggested*. This notebook works on a copy of two sample interviews in a temporary folder; point it at
    your own project file instead.
    """),
    code("""
    import tempfile
    from pathlib import Path

    import qualcode as qc

    DATA = Path("../data")
    workdir = tempfile.TemporaryDirectory()
    project = qc.open_project(Path(workdir.name) / "study.qualcode")
    interviews = [qc.read_transcript(DATA / "samples" / name)
                  for name in ("en_family_liaison_officer.txt", "en_headteacher.odt")]
    print(project.code(qc.Coder(qc.default_codebook()), interviews))
    """),
    md("""
    ## The widget

    Give it the project, the interview to show first and your name: your codings and decisions are stored
    under it, beside the automatic ones, which are never overwritten.
    """),
    code("""
    widget = qc.CodingWidget(project, "en_family_liaison_officer", coder="Ana")
    widget
    """),
    md("""
    ## The same actions from Python

    Each action of the widget is also a method, handy to script a step or to check what was stored. Ana
    codes a passage as *trust*, accepts the first automatic coding and rejects the second, and writes a
    memo on her coding; the widget above shows them at once.
    """),
    code("""
    text = project.transcript("en_family_liaison_officer").text
    start = text.index("the bridge between home and school")
    mine = widget.code("trust", start, start + len("the bridge between home and school"))
    first, second = [c["id"] for c in widget.codings if c["kind"] == "auto"][:2]
    widget.accept(first)
    widget.reject(second)
    widget.memo("The FLO sees herself as the link between families and the school.", coding=mine)
    project.codings("Ana", placed_only=False)[["code", "start", "end", "text", "decision", "source"]]
    """),
    md("""
    What is stored is what any other view of the project sees: a new widget (the cell run again, a new
    kernel), the tables and reports of the project, or the command line (`qualcode project undecided`).
    """),
    code("""
    again = qc.CodingWidget(project, "en_family_liaison_officer", coder="Ana")
    print("same codings as the first widget:", again.codings == widget.codings)
    print(len(project.undecided("Ana")), "automatic codings still to decide on")
    project.memos()[["author", "document", "code", "text"]]
    """),
    md("""
    If the project cannot be written (a read-only file, or another program holding it for longer than the
    widget's `timeout`), the widget says so above the transcript; your selection and the memo you were
    writing stay, and nothing already stored is lost. Try again once the file is free.
    """),
    code("""
    project.close()
    workdir.cleanup()
    """),
]

# --- 06 ----------------------------------------------------------------------------------------------------

VALIDATE = [
    md("""
    # 6. Validating the codebook against a person's coding

    A theme chart is only as true as the coding under it. Before trusting the counts of an automatic coder,
    dictionary-based content analysis asks you to code a subset by hand and measure how far the machine
    agrees, code by code. `qualcode evaluate` (and `qc.evaluate`) does it on a project: precision, recall, F1
    and Cohen's kappa per code, with the passages it missed and those it coded wrongly, to read.

    Here the person is **Léa**, and her coding is real: the hand labels qualcode's developers wrote, paragraph
    by paragraph, for two spoken French interviews of the CFPP2000 corpus and one English interview with a
    machine-learning practitioner (PDPilot), read from `../../shared/corpora` and `../tests/labels`. These are
    *development* labels, the ones the default codebook was tuned on: the figures here are better than what
    to expect on new interviews (README gives both, and the held-out ones).
    """),
    code("""
    import sys
    import tempfile
    from bisect import bisect_left, bisect_right
    from pathlib import Path

    import pandas as pd

    import qualcode as qc

    pd.set_option("display.max_colwidth", 90)
    SHARED = Path("../../shared/corpora")
    LABELS = Path("../tests/labels")
    sys.path.insert(0, str(LABELS))
    from anchors import Projection  # how the labels are anchored in a transcript's text

    workdir = tempfile.TemporaryDirectory()
    FILES = [
        SHARED / "cfpp2000-fr-dev" / "Mathieu_Rosier_H_28_Elisa_Rysnik_F_26_12e-v2.TextGrid",
        SHARED / "cfpp2000-fr-dev" / "Mira_F_88_14e-v2.TextGrid",
        SHARED / "pdpilot-interviews" / "transcripts_pdf" / "P4.pdf",
    ]
    corpus = qc.read_corpus(FILES)
    project = qc.open_project(Path(workdir.name) / "study.qcproj")
    print(project.code(qc.Coder(speakers="all"), corpus))  # Léa coded every turn, the interviewer's too
    AUTO = "auto:qualcode-default"
    """),
    md("""
    ## Léa's coding

    Each label is a span of the transcript with the themes Léa gave it. `Project.add_coding` stores it as her
    human coding, at the exact offsets, beside the automatic codings (which never touch it).
    """),
    code("""
    THEMES = ["temporality", "trust", "family_engagement", "turnover"]
    labels = pd.concat([pd.read_csv(LABELS / "cfpp2000.csv"), pd.read_csv(LABELS / "pdpilot.csv")])
    added = 0
    for transcript in corpus:
        rows = labels[labels["source"].str.endswith(Path(transcript.metadata["source"]).name)]
        before = Projection.of(transcript.text).before  # canonical offset before each character
        for row in rows.itertuples():
            start = bisect_right(before, row.cstart) - 1
            end = bisect_left(before, row.cend)
            for theme in THEMES:
                if getattr(row, theme) == 1:
                    project.add_coding(transcript.id, theme, coder="Léa", start=start, end=end)
                    added += 1
    print(f"{added} codings by Léa in {len(corpus)} interviews")
    """),
    md("""
    ## How far the machine agrees with her

    One row per code, then all codes pooled; a paragraph counts in a document Léa coded. Precision: of the
    paragraphs the machine coded, the share Léa coded too; recall: of Léa's, the share the machine found.
    Beside each, its 95% interval (Wilson's): on a few dozen passages it is wide, and says how much a
    figure can be trusted before the counts are.
    """),
    code("""
    evaluation = qc.evaluate(project, auto=AUTO, human="Léa")
    print(evaluation)
    evaluation.table[["code", "units", "gold", "coded", "tp", "fp", "fn", "precision", "precision_low",
                      "precision_high", "recall", "recall_low", "recall_high", "f1", "cohen_kappa"]]
    """),
    md("""
    ## What it missed, and what it coded wrongly

    The passages are where the codebook can be improved: a theme said without the codebook's words is a
    missed passage; a word used in another sense is a wrong one. Each coding also has a `score` from the
    semantic evidence layer, to sort passages for review.
    """),
    code("""
    passages = evaluation.passages
    print(passages["kind"].value_counts().to_dict())
    passages.loc[passages["kind"] == "missed", ["document", "code", "text"]].head(8)
    """),
    code("""
    passages.loc[passages["kind"] == "wrong", ["document", "code", "text"]].head(8)
    """),
    md("""
    From the command line, on a project where a person has coded some interviews:

        qualcode evaluate --project study.qcproj --auto auto:qualcode-default --human Léa \\
            --output evaluation.csv --passages passages.csv
    """),
    code("""
    project.close()
    workdir.cleanup()
    """),
]

LEARNING = [
    md("""
    # 7. Learning from your own coding: how many coded segments are enough?

    `qc.Suggester` (and `qualcode suggest`) learns a researcher's own codes from the passages they coded by
    hand, and suggests them everywhere else. How much coding does it need? This notebook draws the learning
    curve on a real study: the PDPilot usability interviews in `../../shared/corpora`, coded by their own
    researchers in MAXQDA (their code system cut at depth 1: 8 codes). The researcher is taken to code the
    sessions P4, P5 and P6 paragraph after paragraph; after every few paragraphs the suggester is fitted on
    what is coded so far and judged on session P7, which it never sees: micro-F1 over every paragraph x code
    of P7. The TF-IDF baseline (words and word pairs, one logistic regression per code, thresholds by
    cross-validation: what NVivo's pattern-based autocoding does) is measured in the same run.
    """),
    code("""
    import sys
    import tempfile
    from pathlib import Path

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    import qualcode as qc
    from qualcode.coding.suggest import TrainingSet

    SHARED = Path("../../shared/corpora/pdpilot-interviews")
    sys.path.insert(0, "../benchmarks")
    from suggest import placed_codings  # the researchers' coded segments, placed in the transcripts by their text

    LEARN, JUDGE = ["P4", "P5", "P6"], "P7"
    transcripts = {p: qc.read_transcript(SHARED / "transcripts_pdf" / f"{p}.pdf") for p in [*LEARN, JUDGE]}
    codings, missing = placed_codings(transcripts, depth=1)
    workdir = tempfile.TemporaryDirectory()
    project = qc.open_project(Path(workdir.name) / "pdpilot.qcproj")
    project.add_documents(transcripts.values())
    for document, code_, start, end in codings:
        project.add_coding(document, code_, coder="researchers", new_code=True, start=start, end=end)
    print(f"{len(codings)} coded segments placed ({missing} not found) in {len(transcripts)} sessions")
    """),
    md("""
    ## The researchers' coding, paragraph by paragraph

    `Project.training_set` maps each coding to the paragraphs it overlaps. A point of the curve keeps the
    first *n* paragraphs of P4-P6, in reading order, as coded (a paragraph is a code's positive example when
    the researchers coded it so, else a negative one), and P7 as not coded at all.
    """),
    code("""
    full = project.training_set("researchers", unit="paragraph")
    segments = full.segments
    learn = [i for i, s in enumerate(segments) if s.document in LEARN]
    judge = [i for i, s in enumerate(segments) if s.document == JUDGE]
    truth = {(i, c) for c, found in full.positives.items() for i in found if i in set(judge)}
    print(f"{len(learn)} paragraphs to learn from, {len(judge)} to judge, {len(truth)} paragraph x code in P7's truth")


    def judged(features, threshold, n):
        coded = frozenset(learn[:n])
        part = TrainingSet("researchers", "paragraph", segments, full.roles, coded,
                           {c: p & coded for c, p in full.positives.items()})
        suggester = qc.Suggester(features=features, threshold=threshold).fit_training_set(part)
        scores = suggester.scores()
        cut = np.array([suggester.thresholds_[c] for c in suggester.codes_])
        guessed = {(i, c) for j, c in enumerate(suggester.codes_) for i in judge if scores[i, j] >= cut[j]}
        gold = {(i, c) for i, c in truth if c in suggester.codes_}
        tp = len(guessed & gold)
        return {"coded paragraphs": n, "coded segments": sum(1 for i in coded for p in part.positives.values() if i in p),
                "codes learnt": len(suggester.codes_), "micro-F1": 2 * tp / (len(guessed) + len(gold)) if tp else 0.0}
    """),
    md("""
    ## The curve

    Four points, ours (words, sentence embeddings, neighbouring segments, speaker and place) against the
    TF-IDF baseline, fitted on the same paragraphs. "Coded segments" counts paragraph x code pairs the
    researchers coded among the paragraphs kept.
    """),
    code("""
    points = [len(learn) // 4, len(learn) // 2, 3 * len(learn) // 4, len(learn)]
    rows = []
    for n in points:
        rows.append({"model": "qualcode", **judged(qc.coding.suggest.FEATURES, "prevalence", n)})
        rows.append({"model": "TF-IDF baseline", **judged(("words",), "cv", n)})
    curve = pd.DataFrame(rows)
    curve.pivot(index=["coded paragraphs", "coded segments"], columns="model", values="micro-F1").round(3)
    """),
    code("""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for model, part in curve.groupby("model", sort=False):
        ax.plot(part["coded segments"], part["micro-F1"], marker="o", label=model)
    ax.set_xlabel("coded segments (paragraph x code) learnt from")
    ax.set_ylabel("micro-F1 on session P7")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Learning curve on the PDPilot interviews")
    plt.show()
    """),
    md("""
    On a real study this small the figures move by a few points from one session to another: read the
    shape, not the third decimal. To know how far to trust the suggestions on *your* project, let qualcode
    cross-validate on your own coding (`qualcode suggest --project FILE --from CODER --evaluate`), and code
    first the segments `--next N` lists: those the model is least sure about teach it most.
    """),
    code("""
    project.close()
    workdir.cleanup()
    """),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_comparing_groups.ipynb": GROUPS,
    "03_refining_a_codebook.ipynb": REFINE,
    "04_two_coders.ipynb": TWO_CODERS,
    "05_coding_in_jupyter.ipynb": IN_JUPYTER,
    "06_validating_the_codebook.ipynb": VALIDATE,
    "07_learning_from_your_coding.ipynb": LEARNING,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name``, without outputs."""
    return new_notebook(
        cells=NOTEBOOKS[name],
        metadata={
            "kernelspec": {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


def kernel_manager(folder: Path):  # type: ignore[no-untyped-def]
    """A manager of a ``python3`` kernel running this interpreter (not whatever ``python3`` spec a user has)."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(get_kernel_dict()), encoding="utf-8")  # argv: sys.executable
    specs = KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def execute(notebook: nbformat.NotebookNode, cwd: Path = HERE) -> nbformat.NotebookNode:
    """Run ``notebook`` in place with ``cwd`` as working directory; raise on the first cell error."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as kernels:
        client = NotebookClient(
            notebook,
            km=kernel_manager(Path(kernels)),
            kernel_name=KERNEL,
            timeout=CELL_TIMEOUT,
            resources={"metadata": {"path": str(cwd)}},
        )
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline backend
        client.execute(cleanup_kc=True, env=env)  # cleanup: the client does not own its kernel manager
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="build only the notebooks whose name starts with these")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    args = parser.parse_args(argv)
    for name in NOTEBOOKS:
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        notebook = build(name)
        started = time.perf_counter()
        if not args.no_execute:
            execute(notebook)
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        done = "written" if args.no_execute else f"executed in {time.perf_counter() - started:.1f} s"
        print(f"{name}: {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
