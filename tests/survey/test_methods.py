from collections import Counter

from thg.survey.corpus import arxiv_year
from thg.survey.curate import TOP_VENUES
from thg.survey.methods import survey_methods


def test_table_one_has_117_methods_in_ten_clusters():
    rows = survey_methods()
    assert len(rows) == 117 and len({p.id for p in rows}) == 117
    assert sorted(Counter(p.cluster for p in rows)) == list(range(1, 11))


def test_table_one_is_consistent():
    for p in survey_methods():
        assert 2021 <= p.year <= 2025, p.method
        assert arxiv_year(p.id) <= p.year, p.method                 # published no earlier than submitted
        assert p.venue == "arXiv" or p.venue in TOP_VENUES, p.venue
        if p.stars is not None:
            assert p.extra["code"], p.method                        # stars only where code is public
        if p.code_url:
            assert p.code_url.startswith("https://github.com/") and p.extra["code"]


def test_new_metrics_are_listed():
    rows = {p.method: p for p in survey_methods()}
    assert [m["name"] for m in rows["MEDTalk"].new_metrics] == ["MLE", "MEE", "EIE", "FRD"]
    assert sum(bool(p.new_metrics) for p in rows.values()) == 21


def test_table_two_lists_22_datasets_in_the_four_groups():
    import pytest

    from thg.errors import InputError
    from thg.survey.methods import survey_datasets
    from thg.survey.vocab import DATASET_GROUPS, normalize

    rows = survey_datasets()
    assert len(rows) == 22 and len({r.name for r in rows}) == 22
    assert Counter(r.group for r in rows) == {"image": 4, "audio": 1, "audiovisual": 14, "emotion": 3}
    assert set(DATASET_GROUPS) == {r.group for r in rows}
    for r in rows:                        # the table agrees with the vocabulary the extractor counts by
        term = normalize(r.name, "dataset")
        assert (term.name, term.group, term.year) == (r.canonical, r.group, r.year), r.name
    vox2 = next(r for r in rows if r.name == "VoxCeleb2")
    assert (vox2.year, vox2.speakers, vox2.resolution) == (2018, "6,112", "224x224")
    assert [r.name for r in survey_datasets("emotion")] == ["MEAD", "CREMA-D", "RAVDESS"]
    with pytest.raises(InputError, match="did you mean|use one of"):
        survey_datasets("video")


def test_datasets_command_prints_table_two():
    import csv as csv_

    from click.testing import CliRunner

    from thg.cli import main

    result = CliRunner().invoke(main, ["survey", "datasets", "--group", "audio", "--format", "csv"])
    assert result.exit_code == 0, result.output
    [row] = list(csv_.DictReader(result.output.splitlines()))
    assert (row["name"], row["year"], row["scale"], row["source"]) == (
        "LibriSpeech", "2015", "1,000 hours audio", "LibriVox audiobooks")
    assert "HDTF" in CliRunner().invoke(main, ["survey", "datasets"]).output


def test_taxonomy_of_table_one_against_the_survey_clusters():
    """Cluster the 117 methods on the table's own per-paper words alone (``table_one_text``) and
    compare with Table 1's cluster column (adjusted Rand index): near chance by design of the input.
    The shipped titles and abstracts are compared in test_directions.py."""
    from sklearn.metrics import adjusted_rand_score

    from thg.survey.methods import table_one_text
    from thg.survey.taxonomy import TaxonomyConfig, build_taxonomy

    rows = survey_methods()
    truth = {p.id: p.cluster for p in rows}
    for with_name in (True, False):
        papers = [table_one_text(p, with_name=with_name) for p in rows]
        assert all(p.cluster is None for p in papers)                  # the answer is not an input
        tax = build_taxonomy(papers, TaxonomyConfig(clusters=10))
        assert len(tax.ids) == 117 and len(tax.clusters) == 10
        ari = adjusted_rand_score([truth[i] for i in tax.ids], tax.assignment)
        print(f"\nTable 1, {'with' if with_name else 'without'} method names: adjusted Rand index {ari:.3f}")
        assert -1.0 <= ari <= 1.0
    assert adjusted_rand_score(list(truth.values()), list(truth.values())) == 1.0
