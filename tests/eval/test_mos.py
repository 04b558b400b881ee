"""MOS studies: Krippendorff's alpha against worked examples, the rating page, ingest, screening, CIs."""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.errors import InputError
from thg.eval import mos
from thg.eval.results import Interval

NAN = math.nan


def test_alpha_hand_worked_two_raters():
    # units (1,1), (2,2), (3,4): coincidences o11 = o22 = 2, o34 = o43 = 1; n = 2, 2, 1, 1 (n = 6)
    # interval: D_o = 2/6, D_e = 2*(4 + 8 + 18 + 2 + 8 + 1)/30 = 82/30  ->  alpha = 1 - 10/82 = 36/41
    assert mos.krippendorff_alpha([[1, 2, 3], [1, 2, 4]], "interval") == pytest.approx(36 / 41)
    # ordinal: delta(c,k) = sum of n_g from c to k - (n_c + n_k)/2; delta(3,4) = 1
    # D_e = 2*(2*2*2^2 + 2*1*3.5^2 + 2*1*4.5^2 + 2*1*1.5^2 + 2*1*2.5^2 + 1*1*1^2)/30 = 6.6  ->  alpha = 94/99
    assert mos.krippendorff_alpha([[1, 2, 3], [1, 2, 4]], "ordinal") == pytest.approx(94 / 99)


def test_alpha_krippendorff_2011_example():
    """The reliability data of Krippendorff (2011), 4 observers x 12 units with missing values."""
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
            [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]
    assert mos.krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert mos.krippendorff_alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert mos.krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    assert mos.krippendorff_alpha([[1, 2], [1, 2]], "interval") == 1.0
    assert math.isnan(mos.krippendorff_alpha([[3, 3], [3, 3]]))


def test_t_interval_hand_worked():
    mean, lo, hi = mos.mos_ci([3, 4, 5])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * s / sqrt(N), s = 1
    assert (mean, lo, hi) == pytest.approx((4.0, 4.0 - half, 4.0 + half))


@pytest.fixture
def methods(tmp_path):
    """Two methods' folders of three tiny (fake-content) clips each."""
    out = {}
    for m in ("ours", "baseline"):
        d = tmp_path / m
        d.mkdir()
        for k in range(3):
            (d / f"clip{k}.mp4").write_bytes(f"{m}-{k}".encode() * 10)
        out[m] = d
    return out


def test_rating_page_and_key(methods, tmp_path):
    page, key_path = mos.make_study(methods, tmp_path / "study" / "page.html", attention_checks=2, seed=4)
    text = page.read_text()
    key = json.loads(key_path.read_text())
    assert len(key["items"]) == 6 and {i["method"] for i in key["items"]} == {"ours", "baseline"}
    assert len(key["attention_checks"]) == 2 and all(1 <= c["expected"] <= 5 for c in key["attention_checks"])
    assert "baseline" not in text and "ours" not in text   # raters cannot see which method made a clip
    assert text.count("data:video/mp4;base64,") == 6       # self-contained
    linked, _ = mos.make_study(methods, tmp_path / "linked.html", embed=False)
    assert "ours/clip0.mp4" in linked.read_text()
    with pytest.raises(InputError, match="ending in .html"):
        mos.make_study(methods, tmp_path / "page.txt")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_page_script_randomises_per_rater(methods, tmp_path):
    page, key_path = mos.make_study(methods, tmp_path / "page.html", attention_checks=2, seed=1)
    script = page.read_text().split("<script>")[1].split("</script>")[0]
    harness = tmp_path / "harness.js"
    harness.write_text(
        "const el = () => new Proxy({}, {get: (t, k) => k in t ? t[k] : el(), set: (t, k, v) => (t[k] = v, true)});\n"
        "global.document = {getElementById: () => el()};\n" + script +
        "\nrows.push({rater: 'r1', item: 'i000', position: 1, score: '4', expected: '', seconds: '3.0',"
        " time: 'x \"y\"'});\n"
        "console.log(JSON.stringify({a: plan('r1'), b: plan('r2'), c: plan('r1'), csv: csv()}));\n")
    proc = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    plans = json.loads(proc.stdout)
    a, b, c = ([t["item"] for t in plans[k]] for k in "abc")
    key = json.loads(key_path.read_text())
    assert sorted(a) == sorted([i["item"] for i in key["items"]] + ["check1", "check2"])
    assert a == c and a != b   # reproducible per rater, different between raters
    checks = {t["item"]: t["expected"] for t in plans["a"] if t["expected"] != ""}
    assert checks == {c["item"]: c["expected"] for c in key["attention_checks"]}
    lines = plans["csv"].splitlines()
    assert lines[0] == "study,rater,item,position,score,expected,seconds,time"
    assert lines[1] == f'"{key["study"]}","r1","i000","1","4","","3.0","x ""y"""'


def simulate(key, n_raters, seed=0):
    """Ratings of n_raters careful raters (ours ~4, baseline ~2), plus a careless, a flat and a random rater."""
    rng = np.random.default_rng(seed)
    true = {i["item"]: (4.0 if i["method"] == "ours" else 2.0) + 0.3 * k for k, i in enumerate(key["items"])}
    rows = []
    for r in range(n_raters):
        bias = rng.normal(0, 0.3)
        for item, t in true.items():
            rows.append((f"r{r:02d}", item, int(np.clip(round(t + bias + rng.normal(0, 0.5)), 1, 5))))
        rows += [(f"r{r:02d}", c["item"], c["expected"]) for c in key["attention_checks"]]
    for item, t in true.items():
        rows.append(("careless", item, int(np.clip(round(t), 1, 5))))
        rows.append(("flat", item, 3))
        rows.append(("random", item, int(6 - np.clip(round(t), 1, 5))))  # the opposite of everyone else
    for c in key["attention_checks"]:
        rows += [("careless", c["item"], 1 + c["expected"] % 5), ("flat", c["item"], c["expected"]),
                 ("random", c["item"], c["expected"])]
    return rows


def write_csv(path, rows, study):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "rater", "item", "position", "score", "expected", "seconds", "time"])
        for k, (rater, item, score) in enumerate(rows):
            w.writerow([study, rater, item, k, score, "", "4.2", "2026-01-01T00:00:00Z"])
    return path


def test_analysis_screens_raters_and_reports_mos(methods, tmp_path):
    _, key_path = mos.make_study(methods, tmp_path / "page.html", seed=2)
    key = mos.load_key(key_path)
    ratings = mos.load_ratings([write_csv(tmp_path / "r.csv", simulate(key, 30), key["study"])], key)
    result = mos.analyse(ratings, key)
    excluded = result["raters"]["excluded"]
    assert set(excluded) == {"careless", "flat", "random"}
    assert "attention" in excluded["careless"][0] and "same score" in excluded["flat"][0]
    assert "correlation" in excluded["random"][0]
    ours, base = result["methods"]["ours"], result["methods"]["baseline"]
    assert ours["n_raters"] == 30 and ours["n_ratings"] == 90
    assert ours["ci"][0] < ours["mos"] < ours["ci"][1] and ours["ci"][0] > base["ci"][1]
    assert ours["ci_rater_bootstrap"][0] < ours["mos"] < ours["ci_rater_bootstrap"][1]
    assert 0.5 < result["alpha"]["interval"] <= 1 and 0.5 < result["alpha"]["ordinal"] <= 1
    assert result["warnings"] == []
    few = mos.analyse([r for r in ratings if r.rater < "r10"], key)
    assert len(few["warnings"]) == 2 and "10 raters" in few["warnings"][0] and "at least 30" in few["warnings"][0]


def test_ratings_ingest_errors(methods, tmp_path):
    _, key_path = mos.make_study(methods, tmp_path / "page.html")
    key = mos.load_key(key_path)
    bad = write_csv(tmp_path / "bad.csv", [("r1", "i999", 3)], key["study"])
    with pytest.raises(InputError, match="line 2: item 'i999' is not in the study key"):
        mos.load_ratings([bad], key)
    bad = write_csv(tmp_path / "bad2.csv", [("r1", "i000", 7)], key["study"])
    with pytest.raises(InputError, match="score 7 outside the scale 1-5"):
        mos.load_ratings([bad], key)
    other = write_csv(tmp_path / "other.csv", [("r1", "i000", 3)], "otherstudy")
    with pytest.raises(InputError, match="ratings of study 'otherstudy'"):
        mos.load_ratings([other], key)
    (tmp_path / "cols.csv").write_text("who,item,score\nr1,i000,3\n")
    with pytest.raises(InputError, match="no column rater"):
        mos.load_ratings([tmp_path / "cols.csv"], key)


def test_cli_mos_page_and_mos(methods, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["eval", "mos-page", f"ours={methods['ours']}", f"baseline={methods['baseline']}",
                               "-o", str(tmp_path / "page.html")])
    assert res.exit_code == 0, res.output
    assert "6 clips + 2 attention checks" in res.output
    key = mos.load_key(tmp_path / "page.key.json")
    ratings = write_csv(tmp_path / "r.csv", simulate(key, 12), key["study"])
    res = runner.invoke(main, ["eval", "mos", str(ratings), "--key", str(tmp_path / "page.key.json"),
                               "-o", str(tmp_path / "mos")])
    assert res.exit_code == 0, res.output
    assert "warning: method 'baseline' has 12 raters" in res.stderr
    data = json.loads((tmp_path / "mos" / "mos.json").read_text())
    assert data["methods"]["ours"]["mos"] > data["methods"]["baseline"]["mos"]
    ours = mos.MosScore.from_json(data["methods"]["ours"])   # typed, with the metrics' interval type
    assert isinstance(ours.ci, Interval) and ours.ci.low < ours.mos < ours.ci.high and ours.n_raters == 12
    assert ours.to_json() == data["methods"]["ours"]
    assert f"MOS {ours.mos:.3f} [{ours.ci.low:.3f}, {ours.ci.high:.3f}]" in res.output
    assert "Krippendorff's alpha" in (tmp_path / "mos" / "mos.md").read_text()
    res = runner.invoke(main, ["eval", "mos-page", "ours", "-o", str(tmp_path / "p.html")])
    assert res.exit_code == 2 and "write METHOD=FOLDER" in res.output
