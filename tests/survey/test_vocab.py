import pytest

from thg.errors import InputError
from thg.eval.base import FAMILIES
from thg.survey import vocab


def test_metric_families_match_the_evaluation_suite():
    assert set(vocab.METRIC_FAMILIES) == set(FAMILIES)
    assert {t.group for t in vocab.METRICS} == set(FAMILIES)


@pytest.mark.parametrize("kind", ["dataset", "metric"])
def test_every_spelling_maps_back_to_its_own_term(kind):
    for term in vocab.terms(kind):
        for spelling in term.spellings:
            assert vocab.lookup(spelling, kind) is term, spelling
            assert vocab.lookup(spelling.lower(), kind) is term, spelling


@pytest.mark.parametrize("written,canonical", [
    ("VoxCeleb-2", "VoxCeleb2"), ("voxceleb 2", "VoxCeleb2"), ("Vox2", "VoxCeleb2"), ("LRS3-TED", "LRS3"),
    ("CREMAD", "CREMA-D"), ("Flickr-Faces-HQ", "FFHQ"),
])
def test_dataset_spellings_used_in_papers_are_normalised(written, canonical):
    assert vocab.normalize(written, "dataset").name == canonical


@pytest.mark.parametrize("written,canonical,family", [
    ("Landmark Distance", "LMD", "geometry"), ("Sync-C", "LSE-C", "sync"), ("sync_d", "LSE-D", "sync"),
    ("Fréchet Inception Distance", "FID", "visual"), ("Average Pose Distance", "APD", "driving"),
    ("emotion accuracy", "EmotionAcc", "expression"),
])
def test_metric_spellings_used_in_papers_are_normalised(written, canonical, family):
    term = vocab.normalize(written, "metric")
    assert (term.name, term.group) == (canonical, family)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(InputError, match="did you mean VoxCeleb2"):
        vocab.normalize("VoxCelb2", "dataset")
    with pytest.raises(InputError, match="neither a known dataset nor a known metric"):
        vocab.normalize_any("zzz")
    with pytest.raises(InputError, match="group 'colour'"):
        vocab.terms("metric", "colour")


def test_mentions_respect_word_and_case_boundaries():
    text = "We use GRID and a grid-based encoder, MEAD but not mead, CelebV-HQ, CelebV-HQ-2 and HDTFX."
    found = [m.group() for m in vocab.mention_pattern("dataset").finditer(text)]
    assert found == ["GRID", "MEAD", "CelebV-HQ"]


def test_the_shipped_table_is_well_formed():
    assert {t.group for t in vocab.DATASETS} == set(vocab.DATASET_GROUPS)
    assert all(t.year and 2000 <= t.year <= 2025 for t in vocab.DATASETS)
    assert all(t.year is None for t in vocab.METRICS)
    names = [t.name for t in (*vocab.DATASETS, *vocab.METRICS)]
    assert len(names) == len(set(names)) == 56
    assert [t.name for t in vocab.METRICS if t.cue] == ["MOS", "FPS", "L1", "Diversity", "Smoothness"]
