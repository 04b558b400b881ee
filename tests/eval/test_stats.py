"""Statistics over per-video values: checked against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thg.errors import InputError
from thg.eval import stats


def test_summary_of_known_values_and_nan_counted():
    s = stats.summarize([9, 1, 5, 3, 7, 2, 8, 4, 6, float("nan")], n_boot=2000)
    assert (s.n, s.n_missing) == (9, 1)
    assert s.median == 5 and s.q1 == 3 and s.q3 == 7 and s.iqr == 4
    assert s.mean == 5 and s.std == pytest.approx(math.sqrt(60 / 8))
    assert s.min == 1 and s.max == 9
    assert s.mean_ci[0] < 5 < s.mean_ci[1]
    assert s.median_ci[0] <= 5 <= s.median_ci[1]


def test_bootstrap_ci_is_seeded_and_covers_the_true_mean():
    rng = np.random.default_rng(1)
    x = rng.normal(10.0, 2.0, size=200)
    ci = stats.bootstrap_ci(x, seed=3)
    assert ci == stats.bootstrap_ci(x, seed=3)
    assert ci != stats.bootstrap_ci(x, seed=4)
    # the percentile interval of the mean is close to mean ± 1.96 s/√n
    half = 1.96 * x.std(ddof=1) / math.sqrt(x.size)
    assert ci[0] == pytest.approx(x.mean() - half, abs=0.1)
    assert ci[1] == pytest.approx(x.mean() + half, abs=0.1)
    wide = stats.bootstrap_ci(x[:20], seed=3)
    assert wide[1] - wide[0] > ci[1] - ci[0]
    assert all(math.isnan(v) for v in stats.bootstrap_ci([1.0]))


def test_rank_biserial_hand_worked():
    # |d| ranks 1..5, R+ = 1+3+4+5 = 13, R- = 2  ->  r = 11/15
    assert stats.rank_biserial([1, -2, 3, 4, 5]) == pytest.approx(11 / 15)
    # ties share ranks: |d| = 1,1,2 -> ranks 1.5,1.5,3; R+ = 1.5+3, R- = 1.5 -> r = 3/6; zeros dropped
    assert stats.rank_biserial([1, -1, 2, 0]) == pytest.approx(0.5)
    assert stats.rank_biserial([2, 3]) == 1.0
    assert math.isnan(stats.rank_biserial([0, 0]))


def test_wilcoxon_exact_p_value_hand_worked():
    b = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    a = b + np.array([1, -2, 3, 4, 5])
    cmp = stats.paired_comparison(a, b, metric="psnr", higher_is_better=True)
    # W = min(R+, R-) = 2; subsets of {1..5} with rank sum <= 2: {}, {1}, {2} -> p = 2 * 3/32
    assert cmp.statistic == 2
    assert cmp.p_value == pytest.approx(6 / 32)
    assert cmp.effect_size == pytest.approx(11 / 15)
    assert cmp.better == "none"  # not significant with 5 pairs
    assert cmp.median_diff == 3


def test_paired_comparison_detects_the_better_method_by_name():
    rng = np.random.default_rng(0)
    names = [f"clip{i:02d}" for i in range(30)]
    base = rng.normal(0.1, 0.03, 30)
    worse = {n: v + 0.02 + rng.normal(0, 0.005) for n, v in zip(names, base)}  # e.g. LPIPS: lower is better
    good = dict(zip(names, base))
    good["only_in_a"] = 0.0
    cmp = stats.paired_comparison(good, worse, metric="lpips", higher_is_better=False)
    assert cmp.n_pairs == 30
    assert cmp.p_value < 1e-5
    assert cmp.effect_size == -1.0
    assert cmp.better == "a"
    swapped = stats.paired_comparison(worse, good, metric="lpips", higher_is_better=False)
    assert swapped.better == "b" and swapped.effect_size == 1.0
    assert swapped.p_value == pytest.approx(cmp.p_value)


def test_paired_comparison_refuses_unpaired_input():
    with pytest.raises(InputError, match="share no video names"):
        stats.paired_comparison({"a": 1.0}, {"b": 2.0}, metric="psnr")
    with pytest.raises(InputError, match="3 values for method A but 2"):
        stats.paired_comparison([1, 2, 3], [1, 2], metric="psnr")


def test_breakdown_by_metadata_column(tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("video,gender,lighting\nv1.mp4,f,dim\nv2,f,bright\nv3,m,bright\nv4,m,\nspk/v1.mp4,m,dim\n")
    rows = stats.load_metadata(meta)
    assert rows["v1"] == {"gender": "f", "lighting": "dim"}
    assert rows["spk/v1"] == {"gender": "m", "lighting": "dim"}   # nested names keep their folder
    values = {"v1": 1.0, "v2": 3.0, "v3": 10.0, "v4": 20.0, "v5": 7.0}
    by_gender = stats.breakdown(values, rows, "gender", n_boot=500)
    assert set(by_gender) == {"f", "m", "(unknown)"}
    assert by_gender["f"].median == 2.0 and by_gender["m"].median == 15.0 and by_gender["(unknown)"].n == 1
    by_light = stats.breakdown(values, rows, "lighting", n_boot=500)
    assert by_light["(unknown)"].n == 2  # v4 has an empty cell, v5 no row
    with pytest.raises(InputError, match="no column 'age'"):
        stats.breakdown(values, rows, "age")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,gender\nv1,f\n")
    with pytest.raises(InputError, match="no 'video' column"):
        stats.load_metadata(bad)


def test_numeric_condition_is_binned_into_quartiles():
    ages = {f"v{i}": str(20 + 15 * i) for i in range(8)}   # 20, 35, ..., 125: numeric order, not text order
    meta = {v: {"age": a} for v, a in ages.items()}
    values = {v: float(i) for i, v in enumerate(ages)}
    groups = stats.breakdown(values, meta, "age", n_boot=200)
    assert list(groups) == ["20–46.25 (excl.)", "46.25–72.5 (excl.)", "72.5–98.75 (excl.)", "98.75–125"]
    assert [g.n for g in groups.values()] == [2, 2, 2, 2]
    few = stats.breakdown(values, {v: {"age": "30" if i < 4 else "60"} for i, v in enumerate(ages)}, "age",
                          n_boot=200)
    assert set(few) == {"30", "60"}


@pytest.mark.parametrize("n,significant", [(2, False), (5, False), (6, True)])
def test_too_few_pairs_say_that_no_difference_can_be_significant(n, significant):
    a = [10.0 + i for i in range(n)]
    b = [v - 1.0 - 0.1 * i for i, v in enumerate(a)]          # A wins on every clip
    cmp = stats.paired_comparison(a, b, metric="psnr")
    assert cmp.min_p == pytest.approx(2 / 2 ** n) and cmp.p_value == pytest.approx(cmp.min_p)
    assert (cmp.better == "a") is significant
    if significant:
        assert cmp.note == ""
    else:
        assert f"{n} differing pairs: the smallest possible p is" in cmp.note and "at least 6 clips" in cmp.note
