import numpy as np
import pytest
from PIL import Image

from thg.survey import trends
from thg.survey.corpus import Paper


@pytest.fixture
def corpus():
    return [
        Paper(id="a", title="a", year=2022, datasets={"VoxCeleb2": ["train"], "HDTF": ["test"]},
              metrics=["PSNR", "SSIM", "LSE-C"]),
        Paper(id="b", title="b", year=2022, datasets={"Vox2": ["train", "test"]}, metrics=["FID", "LMD"],
              new_metrics=[{"name": "X", "family": "geometry"}]),
        Paper(id="c", title="c", year=2024, datasets={"MEAD": ["train"], "MyData": ["test"]},
              metrics=["Sync-C", "EmotionAcc", "MyScore"],
              new_metrics=[{"name": "Y", "family": "expression"}, {"name": "Z", "family": ""}]),
        Paper(id="d", title="d", year=None, metrics=["PSNR"]),          # undated: not counted
    ]


def _count(rows, **match):
    return sum(r.papers for r in rows if all(getattr(r, k) == v for k, v in match.items()))


def test_dataset_use_counts_papers_per_role_with_names_normalised(corpus):
    rows = trends.dataset_usage(corpus)
    assert _count(rows, year=2022, name="VoxCeleb2", role="train") == 2   # "Vox2" is VoxCeleb2
    assert _count(rows, year=2022, name="VoxCeleb2", role="test") == 1
    assert _count(rows, year=2024, group="emotion", role="train") == 1
    assert _count(rows, name="MyData", group="other") == 1


def test_metric_and_family_use_count_each_paper_once(corpus):
    metrics, families = trends.metric_usage(corpus), trends.family_usage(corpus)
    assert _count(metrics, year=2024, name="LSE-C") == 1 and _count(metrics, name="PSNR") == 1
    assert _count(families, year=2022, name="visual") == 2               # a: PSNR+SSIM once, b: FID
    assert _count(families, year=2022, name="sync") == 1
    shares = trends.family_shares(families)
    assert shares[2022]["visual"] == pytest.approx(2 / 4)  # visual 2, sync 1, geometry 1
    assert sum(shares[2024].values()) == pytest.approx(1)


def test_new_metrics_by_family_and_unknown_names(corpus):
    rows = trends.new_metric_usage(corpus)
    assert {(r.year, r.group): r.papers for r in rows} == {(2022, "geometry"): 1, (2024, "expression"): 1,
                                                           (2024, "other"): 1}
    assert trends.unknown_names(corpus) == {"dataset": ["MyData"], "metric": ["MyScore"]}


def test_figures_and_tables_are_written(corpus, tmp_path):
    trends.write_rows(trends.metric_usage(corpus), tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text().splitlines()[0] == "year,name,group,role,papers"
    trends.plot_dataset_trends(trends.dataset_usage(corpus), tmp_path / "d.png")
    trends.plot_metric_trends(trends.metric_usage(corpus), tmp_path / "m.png")
    trends.plot_radar(trends.family_usage(corpus), trends.new_metric_usage(corpus), tmp_path / "r.svg")
    for name in ("d.png", "m.png"):
        with Image.open(tmp_path / name) as im:
            assert np.asarray(im.convert("L")).std() > 5
    assert (tmp_path / "r.svg").read_text().lstrip().startswith("<?xml")


def test_code_statistics_and_the_markdown_report(corpus):
    corpus[0].stars, corpus[0].code_url, corpus[0].method = 300, "https://github.com/a/a", "A-Talk"
    corpus[1].stars, corpus[1].code_url = 100, "https://github.com/b/b"
    [y2022, y2024] = trends.code_stats(corpus)
    assert (y2022.year, y2022.papers, y2022.with_code, y2022.median_stars, y2022.top_method, y2022.top_stars) == (
        2022, 2, 2, 200.0, "A-Talk", 300)
    assert (y2024.with_code, y2024.median_stars, y2024.top_method) == (0, None, "")
    tables = {"datasets": trends.dataset_usage(corpus), "families": trends.family_usage(corpus),
              "new_metrics": trends.new_metric_usage(corpus), "code": [y2022, y2024]}
    md = trends.markdown_report(corpus, tables, {"datasets": "d.svg", "metrics": "m.svg", "radar": "r.svg"})
    assert "![dataset use by year, group and role](d.svg)" in md and "(r.svg)" in md
    assert "| VoxCeleb2 | audio-visual | 2 |" in md                 # both papers, "Vox2" normalised
    assert "| 2022 | 2 | 2 | 200 | A-Talk (300) |" in md
    assert "| PSNR | visual quality | 1 |" in md                     # the undated paper is not counted
