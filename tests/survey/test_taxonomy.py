import numpy as np
import pytest
from PIL import Image

from thg.errors import InputError
from thg.survey.corpus import Paper, load_corpus
from thg.survey.taxonomy import TaxonomyConfig, build_taxonomy, plot_dendrogram


@pytest.fixture(scope="module")
def papers(abstracts_path):
    return load_corpus(abstracts_path)


def _themes(tax, papers):
    theme = {p.id: p.extra["theme"] for p in papers}
    return [{theme[m] for m in c.members} for c in tax.clusters]


@pytest.mark.parametrize("config", [TaxonomyConfig(), TaxonomyConfig(clusters=3)])
def test_clusters_recover_the_three_themes(papers, config):
    tax = build_taxonomy(papers, config)
    assert len(tax.clusters) == 3
    assert all(len(t) == 1 for t in _themes(tax, papers))           # each cluster is one theme
    assert sorted(len(c.members) for c in tax.clusters) == [6, 6, 6]


def test_cluster_labels_name_the_theme(papers):
    tax = build_taxonomy(papers, TaxonomyConfig())
    words = {next(iter(t)): c.terms for t, c in zip(_themes(tax, papers), tax.clusters)}
    assert "radiance" in words["nerf"] and "diffusion" in words["diffusion"] and "emotion" in words["emotion"]


def test_numbering_follows_dendrogram_order_and_cut(papers):
    tax = build_taxonomy(papers, TaxonomyConfig(clusters=3))
    in_order = [tax.assignment[i] for i in tax.order]
    assert in_order == sorted(in_order)                              # 1..k from top to bottom of the tree
    heights = np.sort(tax.linkage[:, 2])
    assert heights[-3] < tax.cut_height < heights[-2]                  # the cut leaves exactly 3 clusters
    assert tax.vocabulary_size <= 5000


def test_lower_threshold_splits_further(papers):
    coarse = build_taxonomy(papers, TaxonomyConfig(threshold=2.2))
    fine = build_taxonomy(papers, TaxonomyConfig(threshold=1.0))
    assert len(coarse.clusters) < 3 < len(fine.clusters)


def test_vocabulary_cap_is_applied(papers):
    assert build_taxonomy(papers, TaxonomyConfig(max_features=50, clusters=3)).vocabulary_size == 50


def test_dendrogram_is_drawn(papers, tmp_path):
    tax = build_taxonomy(papers, TaxonomyConfig())
    path = tmp_path / "tree.png"
    plot_dendrogram(tax, path)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width > 800
        pixels = np.asarray(im.convert("RGB"))
    assert (pixels.std(axis=(0, 1)) > 10).all()                       # not a blank canvas


def test_bad_inputs_are_explained():
    one = [Paper(id="a", title="Talking heads")]
    with pytest.raises(InputError, match="at least 2"):
        build_taxonomy(one)
    two = one + [Paper(id="b", title="Lip sync")]
    with pytest.raises(InputError, match="clusters=5 is out of range"):
        build_taxonomy(two, TaxonomyConfig(clusters=5))
    with pytest.raises(InputError, match="no words"):
        build_taxonomy([Paper(id="a", title="the"), Paper(id="b", title="and")])


def test_large_corpora_fold_the_tree(papers, tmp_path):
    import random

    rng = random.Random(1)
    many = []
    for copy in range(25):                          # 450 papers: each abstract's words reshuffled
        for p in papers:
            words = p.abstract.split()
            rng.shuffle(words)
            many.append(Paper(id=f"{p.id}-{copy}", title=p.title, abstract=" ".join(words), extra=p.extra))
    tax = build_taxonomy(many, TaxonomyConfig(clusters=3))
    assert all(len(t) == 1 for t in _themes(tax, many))
    path = tmp_path / "big.png"
    plot_dendrogram(tax, path, max_leaves=100)
    with Image.open(path) as im:
        assert im.height < 0.18 * 120 * 120         # sized for 100 leaves, not 450


def test_the_memory_lean_path_for_large_corpora_finds_the_same_themes(papers):
    """Past ``reduce_above`` papers Ward runs on a truncated-SVD projection; forced here on 18 papers."""
    lean = build_taxonomy(papers, TaxonomyConfig(clusters=3, reduce_above=10, components=12))
    assert all(len(t) == 1 for t in _themes(lean, papers))
    assert lean.linkage.shape == (17, 4) and lean.vocabulary_size == build_taxonomy(papers).vocabulary_size
    assert lean.to_dict()["ward_space"] == "truncated SVD, 12 dimensions"
    assert build_taxonomy(papers).to_dict()["ward_space"] == "TF-IDF"


def test_the_survey_method_is_the_default_and_keeps_digit_terms(tmp_path):
    papers = [Paper(id="a", title="3D talking heads with a 3DMM", abstract="2D and 3D faces"),
              Paper(id="b", title="Audio-driven 2D portraits", abstract="a 2D warping field")]
    tax = build_taxonomy(papers, TaxonomyConfig(clusters=2))
    method = tax.to_dict()["method"]
    assert method["vectorizer"]["token_pattern"] == r"(?u)\b\w\w+\b"           # scikit-learn's own
    assert method["vectorizer"]["stop_words"] == "english" and method["vectorizer"]["max_features"] == 5000
    assert method["clustering"]["method"] == "ward" and method["cut"] == {"criterion": "maxclust", "clusters": 2}
    terms = {t for c in tax.clusters for t in c.terms}
    assert {"3d", "3dmm"} <= terms
    old = build_taxonomy(papers, TaxonomyConfig(clusters=2, tokens="letters"))
    assert not any(t[0].isdigit() for c in old.clusters for t in c.terms)
