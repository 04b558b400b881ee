"""Speed and memory of `thg survey` at the issue's scale, and the reproduction of the survey's Table 1
(run from the repository root).

    python bench/survey_bench.py [--abstracts 10000] [--sources 1000] [--json out.json]
    python bench/survey_bench.py reproduce [--json out.json]

``reproduce`` clusters the shipped titles and abstracts of Table 1's papers step by step (thg's old
tokens, the survey's stated method, its distance threshold, each further preprocessing option, then
the best combination) and prints the adjusted Rand index against Table 1's clusters at each step,
then two checks of what the survey must have done differently: how much the index moves when a
tenth of the papers is left out, and whether Table 1's partition is one that Ward's criterion could
reach on this text at all (its within-cluster sum of squares against Ward's own ten clusters').

1. taxonomy: a corpus of synthetic abstracts (``--abstracts``, 10,000 by default) in ten themes, run
   through ``thg survey taxonomy --corpus ... --output ... --clusters 10`` (TF-IDF, Ward, labels,
   assignments.csv, PNG and SVG dendrograms). Target: < 60 s and < 4 GB on 2 cores.
2. extraction: ``--sources`` synthetic LaTeX papers (1,000 by default; a third packed as arXiv
   e-print .tar.gz, a third as gzipped single files) run through ``thg survey extract --input DIR
   --output ...``. Target: < 2 minutes.

Each command runs in its own process; its wall time, CPU time (user + system, which other load on
the machine does not inflate) and peak resident memory (``wait4`` rusage) are printed. The synthetic texts are made here with a seeded generator: themed
and common pseudo-words with a Zipf-like frequency, so the TF-IDF vocabulary fills its 5,000 terms
and the clusters have real structure (the adjusted Rand index against the themes is printed).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "de", "gu", "ha", "ji", "bo", "fe",
             "qua", "tor", "lin", "mar", "sen", "dro", "vel", "nix"]


def lexicon(rng: random.Random, n: int) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_abstracts(n: int, themes: int = 10, seed: int = 0) -> tuple[list[dict], list[int]]:
    """``n`` papers; each abstract mixes its theme's words (30%) with common words (70%)."""
    rng = random.Random(seed)
    common = lexicon(rng, 12000)
    weights = [1 / (i + 1) for i in range(len(common))]                  # Zipf-like
    theme_words = [rng.sample(common, 60) for _ in range(themes)]
    records, truth = [], []
    for i in range(n):
        t = i % themes
        body = rng.choices(common, weights=weights, k=110) + rng.choices(theme_words[t], k=45)
        rng.shuffle(body)
        title = rng.choices(theme_words[t], k=4) + rng.choices(common, weights=weights, k=4)
        records.append({"id": f"s{i:05d}", "title": " ".join(title), "abstract": " ".join(body),
                        "year": 2021 + i % 5})
        truth.append(t)
    return records, truth


DATASET_SPELLINGS = ["VoxCeleb-2", "VoxCeleb2", "HDTF", "the High-Definition Talking Face dataset", "MEAD",
                     "CREMA-D", "LRS3", "LRS2", "GRID", "CelebV-HQ", "VFHQ", "FFHQ", "Vox1", "RAVDESS", "VOCASET"]
METRIC_SPELLINGS = ["PSNR", "SSIM", "LPIPS", "FID", "Sync-C", "Sync-D", "LSE-C", "LMD", "Landmark Distance",
                    "F-LMD", "FVD", "CPBD", "E-FID", "AKD", "emotion accuracy", "LVE", "CSIM", "NIQE"]


def synthetic_tex(rng: random.Random, words: list[str], i: int) -> str:
    """One paper of ~40 KB: preamble, four prose sections, an experiment section with tables, appendix."""
    def prose(sentences: int) -> str:
        return " ".join(" ".join(rng.choices(words, k=rng.randint(12, 25))).capitalize() + "~\\cite{ref"
                        f"{rng.randint(1, 90)}}}." for _ in range(sentences))

    train, test = rng.sample(DATASET_SPELLINGS, 2), rng.sample(DATASET_SPELLINGS, 2)
    metrics = rng.sample(METRIC_SPELLINGS, 5)
    rows = "\n".join(f"Method{k} & " + " & ".join(f"{rng.uniform(0, 40):.2f}" for _ in metrics) + " \\\\"
                     for k in range(12))
    experiments = (
        f"\\section{{Experiments}}\n\\subsection{{Datasets}}\nWe train on {train[0]} and {train[1]}~\\cite{{d}}. "
        f"We evaluate on {test[0]} and on the {test[1]} test split. {prose(6)}\n\n"
        f"\\subsection{{Metrics}}\nWe report {', '.join(metrics[:-1])} and {metrics[-1]}$\\uparrow$. {prose(5)}\n"
        + ("We propose a new metric called Motion Jitter Index (MJI) that measures head-motion smoothness. "
           if i % 9 == 0 else "")
        + "\\begin{table}[t]\\centering\\begin{tabular}{l" + "c" * len(metrics) + "}\n"
        + "Method & " + " & ".join(metrics) + " \\\\\\midrule\n" + rows + "\n\\end{tabular}\\end{table}\n"
        + prose(25)
    )
    return ("\\documentclass{article}\n\\usepackage{amsmath,booktabs}\n\\begin{document}\n"
            f"\\title{{Paper {i}}}\\maketitle\n\\begin{{abstract}}{prose(6)}\\end{{abstract}}\n"
            f"\\section{{Introduction}}\n{prose(30)}\n\\section{{Related Work}}\n{prose(40)}\n"
            f"\\section{{Method}}\n{prose(45)} $$L = \\|x - y\\|_1$$ {prose(20)}\n{experiments}\n"
            f"\\section{{Conclusion}}\n{prose(8)}\n\\appendix\n\\section{{More results}}\n{prose(20)} "
            "We also test on LRW.\n\\bibliographystyle{plain}\\bibliography{refs}\n\\end{document}\n")


def write_sources(folder: Path, n: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    words = lexicon(rng, 3000)
    total = 0
    for i in range(n):
        tex = synthetic_tex(rng, words, i).encode()
        total += len(tex)
        pid = f"2{i // 1000 % 10}0{1 + i % 9}.{10000 + i:05d}"
        if i % 3 == 0:
            (folder / f"{pid}.tex").write_bytes(tex)
        elif i % 3 == 1:                                        # arXiv e-print: gzipped tar of the source
            with tarfile.open(folder / f"{pid}.tar.gz", "w:gz") as tar:
                info = tarfile.TarInfo("main.tex")
                info.size = len(tex)
                tar.addfile(info, io.BytesIO(tex))
        else:                                                   # arXiv e-print: one gzipped .tex, no suffix
            (folder / pid).write_bytes(gzip.compress(tex))
    return total


def run_measured(args: list[str]) -> dict:
    """Run ``thg`` in a child process; its wall time and peak RSS (from wait4)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "thg.cli", *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"thg {' '.join(args)} failed ({child.returncode}):\n{out}")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "output": out}


def reproduce() -> dict:
    """The reproduction study of Table 1 (see the module's docstring); prints each step."""
    import itertools

    import numpy as np
    from scipy.cluster.hierarchy import fcluster

    sys.path.insert(0, str(ROOT / "src"))
    from thg.survey.directions import compare, table_one_clusters
    from thg.survey.methods import table_one_corpus
    from thg.survey.taxonomy import TaxonomyConfig, _vectorize, build_taxonomy

    reference = table_one_clusters()
    papers = table_one_corpus(found_only=True)
    every = table_one_corpus()
    steps: list[dict] = []

    def ari(tax, labels=None) -> float:
        return compare(tax.ids, list(labels) if labels is not None else tax.assignment, reference).ari

    def best_cut(tax) -> tuple[float, int, float]:
        """Best ARI over cuts into 5-20 clusters: (ARI, clusters, a threshold that gives them)."""
        heights = np.sort(tax.linkage[:, 2])[::-1]
        found = []
        for k in range(5, 21):
            labels = fcluster(tax.linkage, k, criterion="maxclust")
            found.append((ari(tax, labels), k, round(float(heights[k - 1] + heights[k - 2]) / 2, 4)))
        return max(found)

    def step(name: str, config: TaxonomyConfig, corpus=papers) -> dict:
        tax = build_taxonomy(corpus, config)
        best = best_cut(tax)
        row = {"step": name, "papers": len(tax.ids), "clusters": len(tax.clusters), "ari": round(ari(tax), 3),
               "best_ari": round(best[0], 3), "best_clusters": best[1], "best_threshold": best[2],
               "config": {k: getattr(config, k) for k in ("tokens", "min_df", "ngram_max", "sublinear_tf",
                                                            "threshold", "clusters")}}
        steps.append(row)
        print(f"{name:<58} {row['papers']:>4} papers {row['clusters']:>3} clusters  ARI {row['ari']:.3f}   "
              f"(best cut: {best[1]} clusters, ARI {best[0]:.3f})", flush=True)
        return row

    print(f"Table 1: {len(every)} papers, {len(papers)} with a shipped abstract; adjusted Rand index against "
          "Table 1's 10 clusters", flush=True)
    ten = TaxonomyConfig(clusters=10)
    step("thg before (tokens without digits), 10 clusters", TaxonomyConfig(clusters=10, tokens="letters"))
    step("survey's method (sklearn TF-IDF + Ward), 10 clusters", ten)
    step("  same, all 117 papers (8 by method name alone)", ten, every)
    step("survey's method, default threshold", TaxonomyConfig())
    for name, change in (("+ min_df 2", {"min_df": 2}), ("+ min_df 3", {"min_df": 3}),
                         ("+ sublinear tf", {"sublinear_tf": True}), ("+ two-word terms", {"ngram_max": 2})):
        step(f"survey's method {name}, 10 clusters", TaxonomyConfig(clusters=10, **change))
    grid = []
    for min_df, sub, ngram in itertools.product((1, 2, 3), (False, True), (1, 2)):
        tax = build_taxonomy(papers, TaxonomyConfig(clusters=10, min_df=min_df, sublinear_tf=sub, ngram_max=ngram))
        grid.append((best_cut(tax), min_df, sub, ngram))
    (_, _, t), min_df, sub, ngram = max(grid)
    best = step(f"best of {len(grid)} preprocessings x 5-20 clusters: min_df {min_df}, "
                f"{'sublinear, ' if sub else ''}{ngram}-grams, threshold {t}",
                TaxonomyConfig(threshold=t, min_df=min_df, sublinear_tf=sub, ngram_max=ngram))

    # 1. how much the index moves when a tenth of the papers is left out (the survey's 117 vs our 109)
    rng = np.random.default_rng(0)
    moved = []
    for _ in range(20):
        keep = sorted(rng.choice(len(papers), size=len(papers) - len(papers) // 10, replace=False))
        moved.append(ari(build_taxonomy([papers[i] for i in keep], ten)))
    spread = {"runs": 20, "left_out": len(papers) // 10, "mean": round(float(np.mean(moved)), 3),
              "sd": round(float(np.std(moved)), 3), "min": round(float(min(moved)), 3), "max": round(float(max(moved)), 3)}
    print(f"leave out {spread['left_out']} papers, 20 times, 10 clusters: ARI {spread['mean']:.3f} +- {spread['sd']:.3f} "
          f"({spread['min']:.3f} to {spread['max']:.3f})", flush=True)

    # 2. could Ward reach Table 1 on this text? within-cluster sum of squares of the two partitions
    matrix, _ = _vectorize([p.text for p in papers], ten)
    x = matrix.toarray()

    def wss(labels) -> float:
        return float(sum(((x[labels == c] - x[labels == c].mean(axis=0)) ** 2).sum() for c in set(labels)))

    table = np.array([reference[p.id] for p in papers])
    ward10 = np.array(build_taxonomy(papers, ten).assignment)
    similar = x @ x.T

    def cohesion(labels, c) -> float | None:
        """Mean cosine similarity of two papers of one cluster (None for a single paper)."""
        rows = np.flatnonzero(labels == c)
        block = similar[np.ix_(rows, rows)]
        return float((block.sum() - len(rows)) / (len(rows) * (len(rows) - 1))) if len(rows) > 1 else None
    overall = float((similar.sum() - len(x)) / (len(x) * (len(x) - 1)))
    objective = {"table1_wss": round(wss(table), 2), "ward10_wss": round(wss(ward10), 2),
                 "mean_cosine_all_pairs": round(overall, 3),
                 "table1_cluster_cohesion": {int(c): v if v is None else round(v, 3)
                                             for c in sorted(set(table)) for v in [cohesion(table, c)]},
                 "ward10_cluster_cohesion": {f"{c} ({int((ward10 == c).sum())} papers)": round(cohesion(ward10, c), 3)
                                             for c in sorted(set(ward10)) if (ward10 == c).sum() > 1}}
    print(f"within-cluster sum of squares: Table 1 {objective['table1_wss']:.2f}, Ward's 10 clusters "
          f"{objective['ward10_wss']:.2f}; mean cosine similarity of two papers {overall:.3f}, inside each Table 1 "
          f"cluster: " + ", ".join(f"{c}: {'-' if v is None else f'{v:.3f}'}"
                                  for c, v in objective["table1_cluster_cohesion"].items()), flush=True)
    print("inside each of Ward's 10 clusters: " + ", ".join(f"{c}: {v:.3f}" for c, v in
                                                           objective["ward10_cluster_cohesion"].items()), flush=True)
    return {"steps": steps, "best": best, "leave_out": spread, "ward_objective": objective}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", nargs="?", choices=["speed", "reproduce"], default="speed")
    ap.add_argument("--abstracts", type=int, default=10000)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.mode == "reproduce":
        found = reproduce()
        if args.json:
            args.json.write_text(json.dumps(found, indent=2))
        return
    results: dict = {"cpus": os.cpu_count()}

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        records, truth = synthetic_abstracts(args.abstracts)
        corpus = tmp / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        r = run_measured(["survey", "taxonomy", "--corpus", str(corpus), "--output", str(tmp / "tax"),
                          "--clusters", "10"])
        from sklearn.metrics import adjusted_rand_score

        with (tmp / "tax" / "assignments.csv").open() as f:
            got = {row["id"]: int(row["cluster"]) for row in csv.DictReader(f)}
        ari = adjusted_rand_score(truth, [got[rec["id"]] for rec in records])
        results["taxonomy"] = {"abstracts": args.abstracts, "seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"],
                               "peak_rss_mb": r["peak_rss_mb"],
                               "adjusted_rand_vs_themes": round(ari, 3)}
        print(f"taxonomy: {args.abstracts} abstracts in {r['seconds']:.1f} s (CPU {r['cpu_seconds']:.1f} s), peak RSS {r['peak_rss_mb']:.0f} MB "
              f"(target < 60 s, < 4096 MB); ARI vs the 10 themes {ari:.3f}", flush=True)

        src = tmp / "sources"
        src.mkdir()
        size = write_sources(src, args.sources)
        r = run_measured(["survey", "extract", "--input", str(src), "--output", str(tmp / "ext")])
        lines = (tmp / "ext" / "extractions.jsonl").read_text().splitlines()
        found = sum(bool(json.loads(x)["datasets"]) and bool(json.loads(x)["metrics"]) for x in lines)
        results["extract"] = {"sources": args.sources, "megabytes": round(size / 1e6, 1), "seconds": r["seconds"],
                              "cpu_seconds": r["cpu_seconds"], "peak_rss_mb": r["peak_rss_mb"], "records": len(lines),
                              "records_with_datasets_and_metrics": found}
        print(f"extract: {args.sources} LaTeX sources ({size / 1e6:.0f} MB) in {r['seconds']:.1f} s "
              f"(CPU {r['cpu_seconds']:.1f} s), peak RSS "
              f"{r['peak_rss_mb']:.0f} MB (target < 120 s); {found}/{len(lines)} records with datasets and metrics",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
