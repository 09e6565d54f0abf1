"""Charts: what is drawn equals the table, styled from the codebook; saved files are deterministic."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import qualcode as qc
from qualcode.model.codebook import Code, Codebook
from qualcode.views.plots import (
    plot_cooccurrence,
    plot_theme_by_attribute,
    plot_theme_frequency,
    plot_theme_heatmap,
    save_chart,
)

BOOK = Codebook(
    "test",
    [
        Code("trust", name={"en": "Trust", "fr": "Confiance"}, color="#112233"),
        Code("turnover", name={"en": "Staff turnover", "fr": "Rotation"}, color="#AA5500"),
    ],
)
LONG = "a_remarkably_long_interview_file_name_from_the_second_site_07"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def frequency(documents=("doc_a", "doc_b", "doc_c")) -> pd.DataFrame:
    rows = [
        (doc, code, 2 * i + k, round((2 * i + k) / 10, 4), round((i + k) / 20, 4), int(2 * i + k > 0))
        for i, doc in enumerate(documents)
        for k, code in enumerate(["trust", "turnover"])
    ]
    return pd.DataFrame(rows, columns=["document", "code", "segments", "share", "coverage", "present"])


def by_role() -> pd.DataFrame:
    rows = [
        ("director", "trust", 2, 2, 5, 0.25, 0.2),
        ("director", "turnover", 2, 1, 1, 0.05, 0.04),
        ("parent", "trust", 3, 3, 9, 0.3, 0.25),
        ("parent", "turnover", 3, 0, 0, 0.0, 0.0),
    ]
    columns = ["role", "code", "documents", "documents_coded", "segments", "share", "coverage"]
    return pd.DataFrame(rows, columns=columns)


def cooccurrence() -> pd.DataFrame:
    rows = [
        ("trust", "turnover", 10, 4, 3, 3 / 11),
        ("trust", "time", 10, 6, 0, 0.0),
        ("turnover", "time", 4, 6, 2, 0.25),
    ]
    return pd.DataFrame(rows, columns=["code_a", "code_b", "n_a", "n_b", "n_ab", "c_coefficient"])


CHARTS = [
    lambda ax: plot_theme_frequency(frequency(), codebook=BOOK, ax=ax),
    lambda ax: plot_theme_frequency(frequency(), value="share", stacked=True, ax=ax),
    lambda ax: plot_theme_heatmap(frequency(), codebook=BOOK, ax=ax),
    lambda ax: plot_cooccurrence(cooccurrence(), codebook=BOOK, ax=ax),
    lambda ax: plot_theme_by_attribute(by_role(), "role", codebook=BOOK, ax=ax),
]


@pytest.mark.parametrize("draw", CHARTS)
def test_draws_on_the_given_axes(draw):
    _, ax = plt.subplots()
    assert draw(ax) is ax


@pytest.mark.parametrize("draw", CHARTS)
def test_new_figure_uses_constrained_layout_and_keeps_rcparams(draw):
    before = dict(matplotlib.rcParams)
    ax = draw(None)
    assert ax.figure.get_layout_engine() is not None
    assert dict(matplotlib.rcParams) == before


def test_grouped_bar_widths_are_the_counts_in_codebook_colours():
    table = frequency()
    ax = plot_theme_frequency(table, codebook=BOOK)
    widths = [p.get_width() for p in ax.patches]
    expected = [*table.query("code == 'trust'")["segments"], *table.query("code == 'turnover'")["segments"]]
    assert widths == expected
    assert {to_hex(p.get_facecolor()) for p in ax.patches[:3]} == {"#112233"}
    assert {to_hex(p.get_facecolor()) for p in ax.patches[3:]} == {"#aa5500"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Trust", "Staff turnover"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["doc_a", "doc_b", "doc_c"]
    assert ax.get_xlabel() == "Coded segments"


def test_stacked_shares_start_where_the_previous_code_ends():
    table = frequency()
    ax = plot_theme_frequency(table, value="share", stacked=True)
    trust, turnover = ax.patches[:3], ax.patches[3:]
    assert [p.get_width() for p in trust] == pytest.approx(list(table.query("code == 'trust'")["share"]))
    assert [p.get_x() for p in turnover] == pytest.approx([p.get_width() for p in trust])
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"
    assert "Share" in ax.get_xlabel()


def test_coverage_is_plotted_and_a_missing_column_is_named():
    ax = plot_theme_frequency(frequency(), value="coverage")
    assert [p.get_width() for p in ax.patches[:3]] == pytest.approx([0.0, 0.05, 0.1])
    assert "Coverage" in ax.get_xlabel()
    with pytest.raises(ValueError, match=r"'coverage'.*columns are document, code"):
        plot_theme_frequency(frequency().drop(columns="coverage"), value="coverage")
    with pytest.raises(ValueError, match=r"must be one of 'segments', 'share', 'coverage'\. Got 'count'"):
        plot_theme_heatmap(frequency(), value="count")


def test_legacy_call_without_coverage_column():
    ax = plot_theme_frequency(frequency().drop(columns="coverage"), codebook=BOOK)
    assert len(ax.patches) == 6


def test_language_picks_the_display_name():
    ax = plot_theme_frequency(frequency(), codebook=BOOK, language="fr")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Confiance", "Rotation"]


def test_without_codebook_codes_get_distinct_fallback_colours():
    codes = [f"code_{k}" for k in range(12)]
    table = pd.DataFrame({"document": "d", "code": codes, "segments": range(1, 13)})
    ax = plot_theme_frequency(table)
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(set(colours)) == 12
    assert [t.get_text() for t in ax.get_legend().get_texts()] == codes


def test_long_document_names_are_shortened_with_an_ellipsis():
    ax = plot_theme_frequency(frequency(documents=(LONG, "short")))
    label = ax.get_yticklabels()[0].get_text()
    assert len(label) < len(LONG)
    assert "…" in label
    assert label.startswith("a_remarkably") and label.endswith("site_07")
    assert ax.get_yticklabels()[1].get_text() == "short"


@pytest.mark.parametrize("plot", [plot_theme_frequency, plot_theme_heatmap])
def test_figure_grows_with_the_number_of_documents(plot):
    small = plot(frequency(documents=("a", "b"))).figure.get_size_inches()
    large = plot(frequency(documents=[f"doc_{i}" for i in range(20)])).figure.get_size_inches()
    assert large[1] > small[1]


def names(labels) -> list[str]:
    """Tick label texts, with wrapped lines joined again."""
    return [t.get_text().replace("\n", " ") for t in labels]


def heat_texts(ax) -> dict[tuple[int, int], str]:
    return {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}


@pytest.mark.parametrize(
    ("value", "fmt"), [("segments", lambda v: f"{v:.0f}"), ("share", lambda v: f"{round(v * 100)}%")]
)
def test_heatmap_writes_every_value_in_its_cell(value, fmt):
    table = frequency()
    ax = plot_theme_heatmap(table, codebook=BOOK, value=value)
    texts = heat_texts(ax)
    for i, doc in enumerate(["doc_a", "doc_b", "doc_c"]):
        for j, code in enumerate(["trust", "turnover"]):
            cell = table[(table.document == doc) & (table.code == code)][value].item()
            assert texts[i, j] == fmt(cell)
    assert names(ax.get_xticklabels()) == ["Trust", "Staff turnover"]
    assert ax.collections[0].colorbar.ax.get_ylabel()


def test_heatmap_text_is_white_on_dark_cells_and_black_on_light_ones():
    ax = plot_theme_heatmap(frequency(), value="segments")
    colours = {t.get_text(): to_hex(t.get_color()) for t in ax.texts}
    assert colours["0"] == "#000000"
    assert colours["5"] == "#ffffff"


@pytest.mark.parametrize("value", ["n_ab", "c_coefficient"])
def test_cooccurrence_is_symmetric_with_a_distinct_diagonal(value):
    ax = plot_cooccurrence(cooccurrence(), value=value)
    texts = heat_texts(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["trust", "turnover", "time"]
    for i in range(3):
        for j in range(3):
            assert texts[i, j] == texts[j, i]
    if value == "n_ab":
        assert (texts[0, 1], texts[0, 2], texts[1, 2]) == ("3", "0", "2")
        assert [texts[i, i] for i in range(3)] == ["10", "4", "6"]
    else:
        assert (texts[0, 1], texts[1, 2]) == ("0.27", "0.25")
        assert [texts[i, i] for i in range(3)] == ["—"] * 3
    assert np.diag(np.ma.getmaskarray(ax.collections[0].get_array())).all()


def test_cooccurrence_orders_codes_as_the_codebook_and_uses_display_names():
    ax = plot_cooccurrence(cooccurrence(), codebook=BOOK)
    assert names(ax.get_yticklabels()) == ["Trust", "Staff turnover", "time"]


@pytest.mark.parametrize("value", ["share", "segments", "coverage"])
def test_by_attribute_bar_heights_are_the_values(value):
    table = by_role()
    ax = plot_theme_by_attribute(table, "role", codebook=BOOK, value=value)
    heights = [p.get_height() for p in ax.patches]
    expected = [*table.query("code == 'trust'")[value], *table.query("code == 'turnover'")[value]]
    assert heights == pytest.approx(expected)
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#112233"] * 2 + ["#aa5500"] * 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["director\nn=2", "parent\nn=3"]
    assert ax.get_xlabel() == "role"
    assert ax.get_legend() is not None


def test_empty_table_gives_an_axes_that_says_so():
    ax = plot_theme_frequency(frequency().iloc[:0])
    assert "empty" in ax.texts[0].get_text()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_save_chart_is_byte_identical_and_closes_the_figure(tmp_path, suffix):
    paths = [tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"]
    for path in paths:
        assert save_chart(plot_theme_heatmap(frequency(), codebook=BOOK), path) == path
        assert plt.get_fignums() == []
    first, second = (p.read_bytes() for p in paths)
    assert first and first == second
    if suffix == ".png":
        assert first.startswith(b"\x89PNG") and b"Software" not in first
    else:
        assert b"<svg" in first and b"<dc:date>" not in first


def test_save_chart_refuses_other_formats_and_still_closes(tmp_path):
    ax = plot_theme_frequency(frequency())
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        save_chart(ax, tmp_path / "chart.pdf")
    assert plt.get_fignums() == []


def test_long_code_names_are_wrapped_on_the_heatmap():
    book = Codebook("long", [Code("rel", name="Relations between families and the local school authorities")])
    table = pd.DataFrame({"document": ["d"], "code": ["rel"], "segments": [1]})
    label = plot_theme_heatmap(table, codebook=book, value="segments").get_xticklabels()[0].get_text()
    assert "\n" in label and label.startswith("Relations")
    assert max(len(line) for line in label.split("\n")) <= 28


@pytest.mark.parametrize("plot", [plot_theme_frequency, plot_theme_heatmap])
def test_many_documents_draw_those_with_the_highest_totals(plot):
    table = frequency([f"doc_{i:03d}" for i in range(100)])
    ax = plot(table, codebook=BOOK)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"doc_{i:03d}" for i in range(60, 100)]  # totals grow with the document's rank
    assert "40 of 100" in ax.get_title()
    every = plot(table, codebook=BOOK, max_documents=None)
    assert len(every.get_yticklabels()) == 100 and "of 100" not in every.get_title()
    with pytest.raises(ValueError, match="max_documents"):
        plot(table, max_documents=0)


def test_document_labels_shortened_in_the_middle_stay_distinct():
    """Names that differ only in their middle were all drawn as 'Interview transc…on (anonymised)'."""
    from qualcode.views.plots import _labels

    names = [f"Interview transcript {i:02d} - Station Road youth club (anonymised)" for i in range(1, 4)]
    labels = _labels([*names, "short"])
    assert len(set(labels)) == 4 and labels[-1] == "short"
    assert all(len(label) < len(name) for label, name in zip(labels, names, strict=False))


def test_distinct_labels_keep_the_part_that_differs_and_stay_short():
    """Names alike for 70 characters grew to whole names; a label keeps the differing part, start and end."""
    from qualcode.views.plots import _NAME_WIDTH, _labels

    names = [f"Interview transcript, second wave of the study, site North, session {c} - youth club (anonymised)"
             for c in "ABC"]
    labels = _labels(names)
    assert len(set(labels)) == 3
    for label, c in zip(labels, "ABC", strict=True):
        assert label.startswith("Interview") and label.endswith("(anonymised)"[-5:]) and f"{c} - " in label
        assert len(label) <= _NAME_WIDTH + 2, label


@pytest.mark.parametrize(("value", "said"), [("segments", "coded segments"), ("share", "share of each document's segments"),
                                            ("coverage", "share of each document's text")])
def test_the_heatmap_title_says_what_it_colours(value, said):
    frequency = pd.DataFrame({"document": ["a", "b"], "code": ["trust", "trust"], "segments": [1, 9],
                              "share": [0.5, 0.1], "coverage": [0.4, 0.05], "present": [True, True]})
    ax = qc.plot_theme_heatmap(frequency, value=value)
    assert said in ax.get_title()


def test_the_heatmap_colours_the_share_of_segments_by_default():
    """Raw counts let long interviews dominate: the default is each document's share of segments, and the
    title and colour bar say so."""
    ax = plot_theme_heatmap(frequency(), codebook=BOOK)
    assert "share of each document's segments" in ax.get_title()
    assert "Share" in ax.collections[0].colorbar.ax.get_ylabel()
    assert all(t.get_text().endswith("%") for t in ax.texts if t.get_text())


def test_code_and_group_labels_that_differ_at_their_end_stay_distinct():
    """Wrapped in three lines and cut, 'Relations between families and the school: positive' and '...:
    negative' gave the same label."""
    book = Codebook("long", [Code(c, name=f"Relations between families and the local school authorities: {c}")
                             for c in ("positive", "negative")])
    table = pd.DataFrame({"document": ["d", "d"], "code": ["positive", "negative"], "segments": [1, 2],
                          "share": [0.1, 0.2]})
    for ax in (plot_theme_heatmap(table, codebook=book), plot_theme_frequency(table, codebook=book)):
        shown = [t.get_text() for t in (ax.get_xticklabels() if ax.collections else ax.get_legend().get_texts())]
        assert len(set(shown)) == 2, shown
    groups = pd.DataFrame({"role": [f"Parents of children in the reception class, school {c}" for c in "AB"],
                           "code": ["trust", "trust"], "share": [0.1, 0.2]})
    shown = [t.get_text() for t in plot_theme_by_attribute(groups, "role").get_xticklabels()]
    assert len(set(shown)) == 2, shown
