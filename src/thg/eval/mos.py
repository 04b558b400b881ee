"""Human studies: a rating page, ratings ingest, MOS with 95% CIs, Krippendorff's alpha, rater screening.

Survey section 3.4 asks for a MOS study with at least 30 independent raters per method, reported
as mean MOS with 95% confidence intervals. The workflow:

1. :func:`make_study` writes one self-contained HTML page (videos embedded as data URIs unless
   ``embed=False``) and a key file. Raters enter an ID; the page shows the clips one at a time in an
   order shuffled per rater (seeded by the rater ID, so it is reproducible), interleaved with
   attention checks (instructed-response items: "select 2 for this clip"), on the 5-point ACR scale of
   ITU-T P.910 (1 bad ... 5 excellent). Rating unlocks once the clip has played to the end. At the
   end the page downloads a CSV of the rater's answers. Item IDs are opaque; which method made
   which clip stays in the key file.
2. :func:`load_ratings` reads those CSVs (or any CSV with rater, item, score columns) against the key.
3. :func:`screen_raters` flags raters who failed an attention check, gave the same score to every
   clip (straight-lining), or whose scores correlate below ``min_correlation`` (Pearson) with the
   mean of the other raters on the same items.
4. :func:`analyse` gives MOS per method with a Student-t 95% CI over the kept ratings
   (mean ± t(0.975, N-1)·s/√N, as in ITU-T P.1401), a rater-level bootstrap CI beside it,
   Krippendorff's alpha (interval and ordinal) over the kept raters, and a warning for each method
   rated by fewer than 30 kept raters.

Krippendorff's alpha follows Krippendorff (2011), "Computing Krippendorff's alpha-reliability":
coincidence matrix over pairable values, alpha = 1 - D_o / D_e with the interval metric (c-k)^2 or
the ordinal metric (sum of n_g from c to k minus (n_c + n_k)/2)^2.

What MOS shares with the metric results (:mod:`thg.eval.results`): the confidence-interval type
:class:`~thg.eval.results.Interval` (both intervals of a :class:`MosScore` are one, as are a
metric :class:`~thg.eval.results.Summary`'s) and the JSON conventions (an interval is written as
``[low, high]``, a value that cannot be computed as ``null``). It does not use ``Summary``: a
MOS is a mean over ratings with a Student-t interval and a bootstrap over raters, not a median
over videos with a bootstrap over videos. Each method's figures are a :class:`MosScore`; the rest
of the analysis (rater screening, alpha, warnings) is the plain dict of mos.json.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import json
import math
import mimetypes
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thg.errors import InputError
from thg.eval.results import NO_INTERVAL, Interval

MIN_RATERS = 30
SCALE = (1, 5)
ACR_LABELS = ("Bad", "Poor", "Fair", "Good", "Excellent")
KEY_SCHEMA = "thg-mos-key/1"


# --------------------------------------------------------------------------- Krippendorff's alpha

def krippendorff_alpha(data: Sequence[Sequence[float]] | np.ndarray, level: str = "interval") -> float:
    """Krippendorff's alpha of a raters × units matrix (NaN = no rating).

    ``level``: "interval", "ordinal" or "nominal". Units with fewer than two ratings are not pairable
    and are left out. Returns nan when there is no pairable unit or no variation at all.
    """
    if level not in ("interval", "ordinal", "nominal"):
        raise InputError(f"Krippendorff's alpha level {level!r}: use interval, ordinal or nominal")
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"Krippendorff's alpha needs a raters × units matrix, got shape {arr.shape}")
    values = np.unique(arr[np.isfinite(arr)])
    if values.size < 2:
        return math.nan
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((values.size, values.size))
    for u in range(arr.shape[1]):
        col = arr[:, u][np.isfinite(arr[:, u])]
        m = col.size
        if m < 2:
            continue
        counts = np.zeros(values.size)
        for v in col:
            counts[index[v]] += 1
        # ordered pairs of different raters' values in this unit, weighted 1/(m-1)
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return math.nan
    if level == "interval":
        delta2 = (values[:, None] - values[None, :]) ** 2
    elif level == "nominal":
        delta2 = 1.0 - np.eye(values.size)
    else:
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo = np.minimum.outer(np.arange(values.size), np.arange(values.size))
        hi = np.maximum.outer(np.arange(values.size), np.arange(values.size))
        delta2 = (cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2) ** 2
    d_o = (o * delta2).sum() / n
    d_e = (np.outer(n_c, n_c) * delta2).sum() / (n * (n - 1))
    return math.nan if d_e == 0 else float(1 - d_o / d_e)


# --------------------------------------------------------------------------- the rating page

@dataclass(frozen=True)
class Item:
    item: str          # opaque ID shown to nobody but the key
    method: str
    clip: str          # clip name (video file stem)
    path: str


def collect_items(methods: Mapping[str, str | os.PathLike], *, seed: int = 0) -> list[Item]:
    """One item per (method, video) from ``{method: folder or video}``; IDs are shuffled with ``seed``."""
    from thg.eval.records import VIDEO_SUFFIXES

    pairs = []
    for method, where in methods.items():
        where = Path(where)
        if where.is_file():
            files = [where]
        elif where.is_dir():
            files = sorted(p for p in where.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
        else:
            raise InputError(f"method {method!r}: {where} not found; give a video or a folder of videos")
        if not files:
            raise InputError(f"method {method!r}: {where} holds no videos ({', '.join(VIDEO_SUFFIXES)})")
        pairs += [(method, p) for p in files]
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [Item(f"i{rank:03d}", pairs[i][0], pairs[i][1].stem, str(pairs[i][1])) for rank, i in enumerate(order)]


def _video_src(path: Path, embed: bool, page_dir: Path) -> str:
    if not embed:
        return os.path.relpath(path, page_dir)
    mime = mimetypes.guess_type(path.name)[0] or "video/mp4"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}
video{width:100%;max-height:60vh;background:#000}
.scale label{display:inline-block;margin:0.4em 0.8em 0.4em 0;padding:0.3em 0.6em;border:1px solid #bbb;
border-radius:4px;cursor:pointer}
.scale input:disabled+span{color:#aaa}
button{font-size:1em;padding:0.4em 1.2em}
#check{font-weight:bold;color:#a40}
</style></head><body>
<h1>__TITLE__</h1>
<div id="intro">
<p>__QUESTION__ Each clip plays once; when it has finished, choose a score from 1 (bad) to 5 (excellent).
Some clips ask you to pick a given score: please do exactly that. You cannot go back.</p>
<p><label>Your rater ID: <input id="rater" autocomplete="off"></label> <button id="start">Start</button></p>
</div>
<div id="trial" hidden>
<p id="progress"></p>
<video id="video" playsinline controls></video>
<p id="check"></p>
<div class="scale" id="scale"></div>
<p><button id="next" disabled>Next</button></p>
</div>
<div id="done" hidden><p>Thank you. Your answers were downloaded as <code id="fname"></code>;
send that file to the study organiser.</p><p><button id="again">Download again</button></p></div>
<script>
const STUDY = __STUDY__;
const ITEMS = __ITEMS__;
const CHECKS = __CHECKS__;
const LABELS = __LABELS__;
function hash(s){let h=2166136261>>>0;for(const c of s){h^=c.charCodeAt(0);h=Math.imul(h,16777619)>>>0;}return h;}
function rng(seed){return function(){seed=(seed+0x6D2B79F5)>>>0;let t=seed;t=Math.imul(t^(t>>>15),t|1);
t^=t+Math.imul(t^(t>>>7),t|61);return((t^(t>>>14))>>>0)/4294967296;};}
function shuffle(a,r){for(let i=a.length-1;i>0;i--){const j=Math.floor(r()*(i+1));[a[i],a[j]]=[a[j],a[i]];}return a;}
let trials=[],pos=0,rows=[],rater="",shownAt=0;
function plan(id){
  const r=rng(hash(STUDY.id+"/"+id));
  const t=shuffle(ITEMS.map(x=>({item:x.item,src:x.src,expected:""})),r);
  for(const c of CHECKS){const at=Math.min(t.length,Math.floor(r()*(t.length+1)));
    t.splice(at,0,{item:c.item,src:ITEMS[c.source].src,expected:c.expected});}
  return t;
}
function show(){
  const t=trials[pos];
  document.getElementById("progress").textContent=`Clip ${pos+1} of ${trials.length}`;
  const v=document.getElementById("video");v.src=t.src;v.load();v.play().catch(()=>{});
  document.getElementById("check").textContent=t.expected?`Attention check: whatever you think of this clip, select ${t.expected}.`:"";
  const s=document.getElementById("scale");s.innerHTML="";
  LABELS.forEach((lab,i)=>{s.insertAdjacentHTML("beforeend",
    `<label><input type="radio" name="score" value="${i+1}" disabled><span> ${i+1} ${lab}</span></label>`);});
  document.getElementById("next").disabled=true;
  v.onended=()=>{for(const b of s.querySelectorAll("input"))b.disabled=false;};
  s.onchange=()=>{document.getElementById("next").disabled=false;};
  shownAt=performance.now();
}
function csv(){
  const head="study,rater,item,position,score,expected,seconds,time\\n";
  return head+rows.map(r=>[STUDY.id,r.rater,r.item,r.position,r.score,r.expected,r.seconds,r.time]
    .map(x=>`"${String(x).replace(/"/g,'""')}"`).join(",")).join("\\n")+"\\n";
}
function download(){
  const name=`ratings_${STUDY.id}_${rater.replace(/[^A-Za-z0-9_-]/g,"_")}.csv`;
  const a=document.createElement("a");a.href=URL.createObjectURL(new Blob([csv()],{type:"text/csv"}));
  a.download=name;document.body.appendChild(a);a.click();a.remove();
  document.getElementById("fname").textContent=name;
}
document.getElementById("start").onclick=()=>{
  rater=document.getElementById("rater").value.trim();
  if(!rater){alert("Please enter your rater ID.");return;}
  trials=plan(rater);pos=0;rows=[];
  document.getElementById("intro").hidden=true;document.getElementById("trial").hidden=false;show();
};
document.getElementById("next").onclick=()=>{
  const sel=document.querySelector("input[name=score]:checked");if(!sel)return;
  const t=trials[pos];
  rows.push({rater:rater,item:t.item,position:pos+1,score:sel.value,expected:t.expected,
    seconds:((performance.now()-shownAt)/1000).toFixed(1),time:new Date().toISOString()});
  pos++;
  if(pos<trials.length){show();}else{document.getElementById("trial").hidden=true;
    document.getElementById("done").hidden=false;download();}
};
document.getElementById("again").onclick=download;
</script></body></html>
"""


def make_study(methods: Mapping[str, str | os.PathLike], output: str | os.PathLike, *, attention_checks: int = 2,
               seed: int = 0, title: str = "Video quality study",
               question: str = "How natural and realistic is the talking person in this video?",
               embed: bool = True) -> tuple[Path, Path]:
    """Write the rating page ``output`` (.html) and its key ``<output stem>.key.json``."""
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--output {output}: the rating page is an HTML file; give a name ending in .html")
    if attention_checks < 0:
        raise InputError(f"attention checks {attention_checks}: give 0 or more")
    output.parent.mkdir(parents=True, exist_ok=True)
    items = collect_items(methods, seed=seed)
    rng = np.random.default_rng(seed + 1)
    checks: list[dict[str, Any]] = [{"item": f"check{k + 1}", "source": int(rng.integers(len(items))),
               "expected": int(rng.integers(SCALE[0], SCALE[1] + 1))} for k in range(attention_checks)]
    study_id = hashlib.sha256(json.dumps([asdict(i) for i in items] + [seed]).encode()).hexdigest()[:10]
    page_items = [{"item": i.item, "src": _video_src(Path(i.path), embed, output.parent)} for i in items]
    page = (_PAGE.replace("__TITLE__", html.escape(title)).replace("__QUESTION__", html.escape(question))
            .replace("__STUDY__", json.dumps({"id": study_id})).replace("__ITEMS__", json.dumps(page_items))
            .replace("__CHECKS__", json.dumps(checks)).replace("__LABELS__", json.dumps(list(ACR_LABELS))))
    key = {"schema": KEY_SCHEMA, "study": study_id, "seed": seed, "scale": list(SCALE), "labels": list(ACR_LABELS),
           "question": question, "items": [asdict(i) for i in items],
           "attention_checks": [{"item": c["item"], "expected": c["expected"], "shows": items[c["source"]].item}
                                for c in checks]}
    key_path = output.with_name(output.stem + ".key.json")
    from thg.io.output import write_text

    write_text(output, page, overwrite=True)
    write_text(key_path, json.dumps(key, indent=1), overwrite=True)
    return output, key_path


# --------------------------------------------------------------------------- ingest and analysis

@dataclass(frozen=True)
class Rating:
    rater: str
    item: str
    score: float
    expected: float | None = None   # attention checks: the score the rater was told to give
    seconds: float | None = None


def load_key(path: str | os.PathLike) -> dict:
    from thg.io.output import read_json_document

    return read_json_document(path, schema=KEY_SCHEMA, what="study key",
                              hint="use the .key.json that `thg eval mos-page` writes next to the page")


def load_ratings(paths: Iterable[str | os.PathLike], key: Mapping) -> list[Rating]:
    """Ratings from CSV files with columns rater, item, score (expected and seconds optional)."""
    known = {i["item"] for i in key["items"]}
    checks = {c["item"]: float(c["expected"]) for c in key.get("attention_checks", [])}
    lo, hi = key.get("scale", SCALE)
    ratings: dict[tuple[str, str], Rating] = {}
    for path in map(Path, paths):
        if not path.is_file():
            raise InputError(f"{path}: ratings CSV not found; check the path")
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in ("rater", "item", "score") if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: no column {', '.join(missing)}; the ratings CSV needs rater, item, score")
            for line, row in enumerate(reader, start=2):
                rater, item = (row.get("rater") or "").strip(), (row.get("item") or "").strip()
                if key.get("study") and row.get("study") and row["study"].strip() != key["study"]:
                    raise InputError(f"{path} line {line}: ratings of study {row['study']!r}, but the key is for "
                                     f"study {key['study']!r}; give the key of the page these raters used")
                if item not in known and item not in checks:
                    raise InputError(f"{path} line {line}: item {item!r} is not in the study key; give the key "
                                     f"of the page these raters used")
                try:
                    score = float(row["score"])
                except (TypeError, ValueError):
                    raise InputError(f"{path} line {line}: score {row.get('score')!r} is not a number") from None
                if not lo <= score <= hi:
                    raise InputError(f"{path} line {line}: score {score:g} outside the scale {lo}-{hi}")
                secs = row.get("seconds")
                ratings.setdefault((rater, item), Rating(rater, item, score, checks.get(item),
                                                         float(secs) if secs not in (None, "") else None))
    if not ratings:
        raise InputError("no ratings found in the given CSV files")
    return list(ratings.values())


@dataclass
class RaterCheck:
    rater: str
    n_ratings: int
    attention_failed: int
    attention_total: int
    straight_lining: bool
    correlation: float          # with the mean of the other raters on shared items (nan if < 3 shared)
    kept: bool
    reasons: list[str] = field(default_factory=list)


def screen_raters(ratings: Sequence[Rating], *, max_attention_failures: int = 0,
                  min_correlation: float = 0.3) -> dict[str, RaterCheck]:
    by_rater: dict[str, list[Rating]] = {}
    for r in ratings:
        by_rater.setdefault(r.rater, []).append(r)
    content = [r for r in ratings if r.expected is None]
    per_item: dict[str, dict[str, float]] = {}
    for r in content:
        per_item.setdefault(r.item, {})[r.rater] = r.score
    out = {}
    for rater, rs in sorted(by_rater.items()):
        checks = [r for r in rs if r.expected is not None]
        failed = sum(1 for r in checks if r.score != r.expected)
        own = {r.item: r.score for r in rs if r.expected is None}
        flat = len(own) >= 3 and len(set(own.values())) == 1
        xs, ys = [], []
        for item, score in own.items():
            others = [v for k, v in per_item[item].items() if k != rater]
            if others:
                xs.append(score)
                ys.append(float(np.mean(others)))
        corr = math.nan
        if len(xs) >= 3 and np.std(xs) > 0 and np.std(ys) > 0:
            corr = float(np.corrcoef(xs, ys)[0, 1])
        reasons = []
        if failed > max_attention_failures:
            reasons.append(f"failed {failed} of {len(checks)} attention checks")
        if flat:
            reasons.append(f"gave every clip the same score ({next(iter(own.values())):g})")
        if math.isfinite(corr) and corr < min_correlation:
            reasons.append(f"correlation {corr:.2f} with the other raters is below {min_correlation}")
        out[rater] = RaterCheck(rater, len(own), failed, len(checks), flat, corr, not reasons, reasons)
    return out


@dataclass(frozen=True)
class MosScore:
    """One method's MOS over the kept ratings, with its Student-t and rater-bootstrap intervals."""

    mos: float
    ci: Interval                  # Student t over the kept ratings
    ci_rater_bootstrap: Interval  # percentile bootstrap over raters
    n_ratings: int
    n_raters: int
    std: float

    def to_dict(self) -> dict:
        """The method's entry in :func:`analyse`'s result (intervals as lists; NaN kept)."""
        return {"mos": self.mos, "ci": list(self.ci), "ci_rater_bootstrap": list(self.ci_rater_bootstrap),
                "n_ratings": self.n_ratings, "n_raters": self.n_raters, "std": self.std}

    def to_json(self) -> dict:
        """The method's entry in mos.json (NaN as null)."""
        from thg.eval.records import jsonable

        return jsonable(self.to_dict())

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> MosScore:
        from thg.eval.records import as_float

        return cls(mos=as_float(d.get("mos")), ci=Interval.from_json(d.get("ci")),
                   ci_rater_bootstrap=Interval.from_json(d.get("ci_rater_bootstrap")),
                   n_ratings=int(d.get("n_ratings") or 0), n_raters=int(d.get("n_raters") or 0),
                   std=as_float(d.get("std")))


def mos_ci(scores: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) with the Student-t interval mean ± t·s/√N."""
    from scipy.stats import t as student_t

    x = np.asarray(scores, dtype=np.float64)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(student_t.ppf((1 + confidence) / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def analyse(ratings: Sequence[Rating], key: Mapping, *, max_attention_failures: int = 0,
            min_correlation: float = 0.3, confidence: float = 0.95, n_boot: int = 5000, seed: int = 0) -> dict:
    """MOS per method with CIs, Krippendorff's alpha, rater screening and warnings: the content of
    mos.json (NaN kept as nan; :func:`write_mos_report` writes it as null). ``result["methods"]``
    maps each method to :meth:`MosScore.to_dict`; read one back with :meth:`MosScore.from_json`."""
    items = {i["item"]: i for i in key["items"]}
    screening = screen_raters(ratings, max_attention_failures=max_attention_failures,
                              min_correlation=min_correlation)
    kept = {r for r, c in screening.items() if c.kept}
    content = [r for r in ratings if r.expected is None and r.rater in kept]
    methods = sorted({i["method"] for i in key["items"]})
    rng = np.random.default_rng(seed)
    per_method = {}
    warnings = []
    for method in methods:
        rs = [r for r in content if items[r.item]["method"] == method]
        mean, lo, hi = mos_ci([r.score for r in rs], confidence)
        raters = sorted({r.rater for r in rs})
        # rater-level (cluster) bootstrap: resample raters with replacement, pool their ratings
        by_rater = {k: [r.score for r in rs if r.rater == k] for k in raters}
        boot = []
        if len(raters) >= 2:
            sums = np.array([sum(v) for v in by_rater.values()])
            counts = np.array([len(v) for v in by_rater.values()])
            idx = rng.integers(0, len(raters), size=(n_boot, len(raters)))
            boot = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
        b_ci = (Interval(*np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2]).tolist())
                if len(boot) else NO_INTERVAL)
        per_method[method] = MosScore(
            mos=mean, ci=Interval(lo, hi), ci_rater_bootstrap=b_ci, n_ratings=len(rs), n_raters=len(raters),
            std=float(np.std([r.score for r in rs], ddof=1)) if len(rs) > 1 else math.nan).to_dict()
        if len(raters) < MIN_RATERS:
            warnings.append(f"method {method!r} has {len(raters)} raters after screening; the survey asks for "
                            f"at least {MIN_RATERS} independent raters per method")
    raters_sorted = sorted(kept)
    item_ids = sorted(items)
    matrix = np.full((len(raters_sorted), len(item_ids)), np.nan)
    ri = {r: k for k, r in enumerate(raters_sorted)}
    ii = {i: k for k, i in enumerate(item_ids)}
    for r in content:
        matrix[ri[r.rater], ii[r.item]] = r.score
    return {
        "study": key.get("study"), "scale": key.get("scale", list(SCALE)),
        "methods": per_method,
        "alpha": {"interval": krippendorff_alpha(matrix, "interval") if len(raters_sorted) >= 2 else math.nan,
                  "ordinal": krippendorff_alpha(matrix, "ordinal") if len(raters_sorted) >= 2 else math.nan},
        "raters": {"total": len(screening), "kept": len(kept),
                   "excluded": {r: c.reasons for r, c in screening.items() if not c.kept}},
        "screening": {r: asdict(c) for r, c in screening.items()},
        "warnings": warnings,
        "conventions": {"ci": f"Student t, {confidence:.0%}, over kept ratings (ITU-T P.1401)",
                        "ci_rater_bootstrap": f"percentile, {n_boot} resamples of raters, seed {seed}",
                        "screening": {"max_attention_failures": max_attention_failures,
                                      "min_correlation": min_correlation, "straight_lining": "rejected"},
                        "alpha": "Krippendorff (2011), kept raters × items, attention checks excluded"},
    }


def write_mos_report(result: Mapping, out_dir: str | os.PathLike) -> dict[str, Path]:
    from thg.eval.records import jsonable

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "mos.json", "markdown": out_dir / "mos.md"}
    from thg.io.output import write_text

    write_text(paths["json"], json.dumps(jsonable(result), indent=2), overwrite=True)

    def f(v):
        return "n/a" if v is None or not math.isfinite(v) else f"{v:.3f}"

    lines = ["# MOS study", "", "| method | MOS | 95% CI (t) | 95% CI (rater bootstrap) | ratings | raters |",
             "|---|---|---|---|---|---|"]
    for m, entry in result["methods"].items():
        e = MosScore.from_json(entry)
        lines.append(f"| {m} | {f(e.mos)} | [{f(e.ci.low)}, {f(e.ci.high)}] | "
                     f"[{f(e.ci_rater_bootstrap.low)}, {f(e.ci_rater_bootstrap.high)}] | {e.n_ratings} | "
                     f"{e.n_raters} |")
    lines += ["", f"Krippendorff's alpha: interval {f(result['alpha']['interval'])}, ordinal "
                  f"{f(result['alpha']['ordinal'])}.", "",
              f"Raters: {result['raters']['kept']} of {result['raters']['total']} kept."]
    for r, reasons in result["raters"]["excluded"].items():
        lines.append(f"- excluded {r}: {'; '.join(reasons)}")
    for w in result["warnings"]:
        lines.append(f"- warning: {w}")
    write_text(paths["markdown"], "\n".join(lines) + "\n", overwrite=True)
    return paths


__all__ = ["krippendorff_alpha", "make_study", "collect_items", "load_key", "load_ratings", "screen_raters",
           "analyse", "mos_ci", "write_mos_report", "Rating", "RaterCheck", "MosScore", "MIN_RATERS"]
