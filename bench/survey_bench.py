"""Speed of the survey tools on corpora of growing size (run from the repository root).

    python bench/survey_bench.py [--sizes 117 500 2000] [--json out.json]

Corpora are made from the test abstracts: each synthetic paper draws 60 words from one theme's
abstracts, so the taxonomy has real structure to find. Extraction reads the test LaTeX sources
repeatedly. Reports seconds per step and, for the taxonomy, how well the themes are recovered
(adjusted Rand index with three clusters).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "tests" / "survey" / "data"


def synthetic_corpus(n: int, seed: int = 0):
    from thg.survey.corpus import Paper, load_corpus

    rng = random.Random(seed)
    base = load_corpus(DATA / "abstracts.jsonl")
    words: dict[str, list[str]] = {}
    for p in base:
        words.setdefault(p.extra["theme"], []).extend(p.text.split())
    themes = sorted(words)
    metrics = ["PSNR", "SSIM", "FID", "LPIPS", "LSE-C", "LSE-D", "LMD", "EmotionAcc", "AKD", "FVD"]
    datasets = ["VoxCeleb2", "HDTF", "MEAD", "CREMA-D", "LRS3", "CelebV-HQ", "FFHQ", "LibriSpeech"]
    papers, truth = [], []
    for i in range(n):
        theme = themes[i % 3]
        text = rng.sample(words[theme], 60)
        papers.append(Paper(id=f"p{i}", title=" ".join(text[:8]), abstract=" ".join(text[8:]),
                            year=2021 + i % 5, metrics=rng.sample(metrics, 4),
                            datasets={d: [rng.choice(["train", "test"])] for d in rng.sample(datasets, 3)},
                            new_metrics=[{"name": f"M{i}", "family": "expression"}] if i % 7 == 0 else []))
        truth.append(theme)
    return papers, truth


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[117, 500, 2000])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    from sklearn.metrics import adjusted_rand_score

    from thg.survey import trends
    from thg.survey.extract import extract_tex, read_tex_source
    from thg.survey.taxonomy import TaxonomyConfig, build_taxonomy

    results: dict = {"taxonomy": [], "trends": [], "extract": {}}
    for n in args.sizes:
        papers, truth = synthetic_corpus(n)
        tax, sec = timed(build_taxonomy, papers, TaxonomyConfig(clusters=3))
        ari = adjusted_rand_score(truth, tax.assignment)
        results["taxonomy"].append({"papers": n, "seconds": round(sec, 3), "adjusted_rand_3_clusters": round(ari, 3)})
        _, tsec = timed(lambda ps=papers: (trends.dataset_usage(ps), trends.metric_usage(ps),
                                           trends.family_usage(ps), trends.new_metric_usage(ps)))
        results["trends"].append({"papers": n, "seconds": round(tsec, 4)})
        print(f"taxonomy {n:>5} papers: {sec:6.2f} s  ARI={ari:.3f}   trend tables: {tsec * 1000:6.1f} ms", flush=True)

    sources = [read_tex_source(DATA / "tex" / "2301.10001"), read_tex_source(DATA / "tex" / "2201.10002.tex")]
    reps = 200
    _, sec = timed(lambda: [extract_tex(s) for _ in range(reps) for s in sources])
    chars = sum(len(s) for s in sources) * reps
    results["extract"] = {"papers": 2 * reps, "seconds": round(sec, 3), "papers_per_second": round(2 * reps / sec, 1),
                          "kchars_per_second": round(chars / sec / 1000, 1)}
    print(f"extract: {2 * reps} papers in {sec:.2f} s ({2 * reps / sec:.0f} papers/s)", flush=True)

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "thg.cli", "survey", "--help"], check=True, capture_output=True,
                   env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    results["cli_help_seconds"] = round(time.perf_counter() - t0, 3)
    print(f"`thg survey --help`: {results['cli_help_seconds']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
