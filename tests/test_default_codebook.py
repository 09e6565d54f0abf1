"""Quality of the default codebook against the hand-labelled gold standard, and spot checks per language.

The pooled test codes every gold unit (seed, DossierSCO and AutSPACEs labels from ``tests/labels/gold.py``,
plus the paragraphs of ``data/samples`` labelled in ``tests/labels/samples.csv``, matched by text key) with
the default codebook and requires, for every theme, precision >= 0.85 and recall >= 0.75.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, require_shared

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument

LABELS = Path(__file__).resolve().parent / "labels"
MIN_PRECISION = 0.85
MIN_RECALL = 0.75


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"qualcode_labels_{name}", LABELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gold = _load("gold")
THEMES = gold.THEMES


@pytest.fixture(scope="module")
def coder() -> qc.Coder:
    # speakers="all": the hand labels of data/samples cover the interviewers' paragraphs too
    return qc.Coder(qc.default_codebook(), speakers="all")


def sample_units(coder: qc.Coder) -> tuple[list, list[frozenset[str]]]:
    """The labelled sample paragraphs (as gold units) and the codes the coder gives them.

    Labels are found by (document, key of the paragraph text); any loaded paragraph without a label, or
    any label whose paragraph is no longer loaded, fails the test: relabel that paragraph.
    """
    with open(LABELS / "samples.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    labels: dict[tuple[str, str], frozenset[str]] = {}
    for row in rows:
        themes = frozenset(t for t in THEMES if row[t] == "1")
        previous = labels.setdefault((row["document"], row["key"]), themes)
        assert previous == themes, f"samples.csv: {row['document']} key {row['key']} has conflicting labels"
    corpus = qc.read_corpus(SAMPLES)
    assert not corpus.errors, f"data/samples: files that could not be read: {corpus.errors}"
    units, predicted, unlabelled, found = [], [], [], set()
    for transcript in corpus:
        coded = coder.code_transcript(transcript)
        for segment in coded.segments:
            wanted = (transcript.id, gold.key(segment.text))
            if wanted not in labels:
                unlabelled.append(f"{transcript.id} #{segment.segment_id}: {segment.text[:60]!r}")
                continue
            found.add(wanted)
            units.append(gold.Unit(f"samples:{transcript.id}", segment.text, labels[wanted]))
            predicted.append(frozenset(e.code for e in coded.evidence.get(segment.segment_id, [])))
    stale = sorted(f"{doc} key {k}" for doc, k in set(labels) - found)
    assert not unlabelled, ("data/samples paragraphs with no label in tests/labels/samples.csv (the samples or "
                            "the reader changed; label them): " + "; ".join(unlabelled[:10]))
    assert not stale, ("tests/labels/samples.csv labels whose paragraph is no longer loaded from data/samples "
                       "(key no longer matches; relabel): " + "; ".join(stale[:10]))
    return units, predicted


def table(groups: dict[str, tuple[list, list]]) -> str:
    lines = [f"{'source':<11} {'theme':<18} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]
    for name, (units, predicted) in groups.items():
        for theme, s in gold.scores(units, predicted).items():
            lines.append(f"{name:<11} {theme:<18} {s['tp'] + s['fn']:>5} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
                         f"{s['precision']:>9.3f} {s['recall']:>7.3f}")
    return "\n".join(lines)


def test_sample_labels_match_the_sample_corpus(coder):
    units, _ = sample_units(coder)
    assert len(units) > 300
    assert all(any(theme in u.gold for u in units) for theme in THEMES)


def test_default_codebook_precision_and_recall_pooled_over_all_sources(coder):
    require_shared("seeds")
    require_shared("corpora/dossiersco-fr")
    require_shared("corpora/autspaces-focus-groups/derived_quotes_by_theme.csv")
    units = gold.all_units()
    predicted = gold.predict(units, coder.codebook_)
    more_units, more_predicted = sample_units(coder)
    units, predicted = units + more_units, predicted + more_predicted
    groups = {"all": (units, predicted)}
    for source in ("seed", "dossiersco", "autspaces", "samples"):
        idx = [i for i, u in enumerate(units) if source in u.source]
        groups[source] = ([units[i] for i in idx], [predicted[i] for i in idx])
    pooled = gold.scores(units, predicted)
    failing = [f"{t}: precision {s['precision']:.3f}, recall {s['recall']:.3f}" for t, s in pooled.items()
               if s["precision"] < MIN_PRECISION or s["recall"] < MIN_RECALL]
    assert not failing, (f"default codebook below precision {MIN_PRECISION} / recall {MIN_RECALL}: "
                         + "; ".join(failing) + "\n" + table(groups))


def codes_of(coder: qc.Coder, text: str, language: str) -> set[str]:
    transcript = build_transcript(RawDocument([Block(text, kind="paragraph")], "txt"), "spot", language=language)
    coded = coder.code_transcript(transcript)
    return {e.code for found in coded.evidence.values() for e in found}


@pytest.mark.parametrize("language, text, expected", [
    ("fr", "Les parents ne viennent jamais aux réunions, ce sont toujours les mêmes.", {"family_engagement"}),
    ("fr", "Les réunions sont à 17 h, alors les mamans qui travaillent ne peuvent pas venir.", {"family_engagement"}),
    ("fr", "Avant on avait le temps de se voir, maintenant tout passe par des mails.", {"temporality"}),
    ("fr", "On manque de temps pour monter des projets avec les associations.", {"temporality"}),
    ("fr", "Les financements sont annuels, on ne peut rien construire dans la durée.", {"temporality"}),
    ("fr", "Il y a eu trois directeurs en quatre ans, à chaque fois il faut tout réexpliquer.", {"turnover"}),
    ("fr", "La coordinatrice est partie en juin et le poste est resté vacant.", {"turnover"}),
    ("fr", "Les familles se méfient de tout ce qui vient de la mairie.", {"trust"}),
    ("fr", "Il faut qu'on tire tous dans le même sens, l'école et le centre social.", {"trust"}),
    ("fr", "La directrice est là depuis longtemps, les gens lui font confiance.", {"turnover", "trust"}),
    ("en", "Three coordinators have left in two years.", {"turnover"}),
    ("en", "We've had four heads in six years, so we keep re-explaining who we are.", {"turnover"}),
    ("en", "Parents who work shifts can't come to the meetings.", {"family_engagement"}),
    ("en", "We never have time to sit down with the youth workers.", {"temporality"}),
    ("en", "The funding is year to year, so nothing we build can last.", {"temporality"}),
    ("en", "Before, we had time for home visits; now it is all paperwork.", {"temporality", "family_engagement"}),
    ("en", "Families are wary of the school after what happened to their older children.",
     {"trust", "family_engagement"}),
    ("en", "When the aims aren't shared, partners end up pulling against each other.", {"trust"}),
    # change over time and time as a resource said the way anyone says it (dev, spoken French)
    ("fr", "Tu as vu des changements dans le quartier depuis ton enfance ?", {"temporality"}),
    ("fr", "Les pistes cyclables, les voies, ça a bougé quand même.", {"temporality"}),
    ("fr", "La place est plus vivante, c'est en mieux.", {"temporality"}),
    ("fr", "Il fallait aller faire la queue quinze jours avant pour avoir des places.", {"temporality"}),
    ("fr", "J'ai été terriblement déçue par le régime, ce n'était pas ce qu'il prétendait.", {"trust"}),
    ("en", "We validate the model so that compliance and the auditors can accept it.", {"trust"}),
    # the guards leave the theme where it is meant
    ("fr", "La nouvelle directrice a été nommée en janvier, la troisième en deux ans.", {"turnover"}),
    ("fr", "Les coordinateurs se succèdent, il faut tout réexpliquer à l'équipe.", {"turnover"}),
    ("en", "Staff turnover is high: half the teachers left this year.", {"turnover"}),
    ("fr", "On a changé trois fois de directeur en deux ans.", {"turnover"}),
    ("en", "Three teachers changed schools last year and we never replaced them.", {"turnover"}),
    ("fr", "La maîtresse a changé d'école, l'équipe est toute nouvelle.", {"turnover"}),
])
def test_typical_passages_get_their_theme(coder, language, text, expected):
    assert expected <= codes_of(coder, text, language)


@pytest.mark.parametrize("language, text, absent", [
    ("fr", "Ma mère m'emmenait à l'école à 8 heures.", set(THEMES)),
    ("fr", "La réunion a lieu le mardi à 17 h dans la salle polyvalente.", set(THEMES)),
    ("fr", "Elle travaille à temps partiel et tout le temps en mouvement.", set(THEMES)),
    ("fr", "Le théâtre développe la confiance en soi des élèves.", {"trust"}),
    ("fr", "Je fais confiance aux chiffres transmis par l'association.", {"trust"}),
    ("fr", "Au départ, le projet concernait seulement les CP.", {"turnover"}),
    ("fr", "C'est parti, on commence l'enregistrement.", {"turnover"}),
    ("en", "I trust the data is correct.", {"trust"}),
    ("en", "My mum took me to school at 8 o'clock.", set(THEMES)),
    ("en", "The meeting is on Tuesday at 5 pm in the hall.", set(THEMES)),
    ("en", "To be honest, the trip to the museum was lovely.", set(THEMES)),
    ("en", "The trust's finance officer came about the boiler.", {"trust"}),
    ("en", "The teacher stayed after class to help with homework.", {"turnover"}),
    ("en", "The head changed the timetable for the spring term.", {"turnover"}),
    ("fr", "J'ai été déçue par le film, la fin était ratée.", {"trust"}),
    ("fr", "Il a bougé sa voiture pour laisser passer le camion.", {"temporality"}),
    ("en", "I check the plot does not show anything odd before I send it on.", {"trust"}),
    # guards written from the codes' exclusion texts
    ("fr", "Elle a pris confiance en classe depuis que la maîtresse l'encourage.", {"trust"}),
    ("fr", "Un soupçon de crème, et on perd le fil de la recette.", {"trust"}),
    ("fr", "Ma grand-mère venait me chercher à l'école.", {"family_engagement"}),
    ("fr", "La directrice a parlé de la démission des parents à la réunion.", {"turnover"}),
    ("fr", "La passation des évaluations a lieu en septembre avec l'enseignant.", {"turnover"}),
    ("fr", "Il y a beaucoup de logements vacants dans la rue.", {"turnover"}),
    ("fr", "On a nommé ce café le Signal, c'était le rendez-vous du quartier.", {"turnover"}),
    ("fr", "Je vais réexpliquer la consigne aux élèves.", {"turnover"}),
    ("fr", "Les réformes se succèdent depuis dix ans.", {"turnover"}),
    ("en", "We don't trust the model's output until the tests pass.", {"trust"}),
    ("en", "In all honesty, the login credentials are shared by the team.", {"trust"}),
    ("en", "My grandmother took me to school every morning.", {"family_engagement"}),
    ("en", "The parent process spawns a child process for each task.", {"family_engagement"}),
    ("en", "The company's annual turnover grew last year.", {"turnover"}),
    ("en", "Our data retention policy keeps logs for a year.", {"turnover"}),
    ("en", "The interim report for the project is due in May.", {"turnover"}),
    # more exclusion-text guards: thanks for the time given, fillers, a partner's family, the number of staff
    # without any change, pupils changing schools, tools changed, pages turned
    ("en", "Thank you for your time, I know this is a big time commitment.", {"temporality"}),
    ("fr", "Les parents de mon mari habitaient juste en face de l'école.", {"family_engagement"}),
    ("en", "We are understaffed and short-staffed every Friday.", {"turnover"}),
    ("fr", "On est en sous-effectif le vendredi.", {"turnover"}),
    ("fr", "Quand on a déménagé, j'ai changé d'école en CM2.", {"turnover"}),
    ("en", "When we moved, my daughter changed schools.", {"turnover"}),
    ("fr", "On a changé trois fois de logiciel cette année.", {"turnover"}),
    ("en", "Please turn over the page and answer the next question.", {"turnover"}),
])
def test_look_alike_passages_do_not_get_the_theme(coder, language, text, absent):
    assert not absent & codes_of(coder, text, language)
