"""Optional language-model steps of the survey, through any OpenAI-compatible chat endpoint.

* :func:`llm_cluster_labels`: a short thematic label per taxonomy cluster (survey appendix B.1: "we
  refine cluster identities using a large language model");
* :class:`LlmExtractor`: the survey's own two extraction prompts of appendix B.2, verbatim, on a
  paper's cleaned experiment section. The answers are free text; they are read back into the same
  record as the rule-based extractor gives (names normalised by :mod:`thg.survey.vocab`, roles
  train / test / both, families of new metrics from the answer's category).

Nothing here runs unless the user names an endpoint (``--llm-url``) and model (``--llm-model``); the
key is read from ``THG_LLM_API_KEY`` (or ``OPENAI_API_KEY``). Requests go through the same polite,
cached :class:`~thg.survey.collect.Fetcher` as the corpus clients, so a rerun asks nothing twice.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

from thg.errors import PipelineError
from thg.survey.collect import Fetcher

#: appendix B.2, first prompt (dataset-metric extraction), as the survey prints it
DATASET_METRIC_PROMPT = """Briefly answer the following questions based on the cleaned Experiment section of the paper:

1. What datasets does this paper use?
2. Which datasets are used for training, and which for testing?
3. What evaluation metrics are used?

Keep the answer concise and factual."""

#: appendix B.2, second prompt (newly proposed metrics), as the survey prints it
NEW_METRIC_PROMPT = """Please read the following paper content and answer ONLY the three points below:

1. Did the paper propose any new evaluation metrics? Respond only with "Yes" or "No".

2. If the answer is "Yes", briefly describe what each new metric is used for.

3. For each new metric, indicate which evaluation category it belongs to. Use categories such as (but
not limited to):

+ Visual Quality Metrics

+ Audio-Visual Sync Metrics

+ Geometry & Landmark Accuracy

+ Expression Naturalness

+ Driving Alignment

Keep the answer concise and factual."""

_CATEGORY = (("visual", r"visual quality"), ("sync", r"sync"), ("geometry", r"geometry|landmark"),
             ("expression", r"expression|natural"), ("driving", r"driving|alignment"))


@dataclass
class ChatClient:
    """POST ``{base_url}/chat/completions`` with temperature 0; the answer's text."""

    fetcher: Fetcher
    base_url: str
    model: str
    api_key: str = ""
    interval: float = 0.5

    @classmethod
    def from_env(cls, fetcher: Fetcher, base_url: str, model: str, **kw) -> ChatClient:
        key = os.environ.get("THG_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or ""
        return cls(fetcher, base_url.rstrip("/"), model, key, **kw)

    def ask(self, prompt: str, content: str = "") -> str:
        messages = [{"role": "user", "content": f"{prompt}\n\n{content}".strip()}]
        body = json.dumps({"model": self.model, "messages": messages, "temperature": 0}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/chat/completions"
        answer = self.fetcher.get(url, service="language model", interval=self.interval, headers=headers, data=body)
        if answer.status != 200:
            raise PipelineError(f"language model at {url} answered HTTP {answer.status}: "
                                f"{answer.body[:200].decode('utf-8', 'replace')}; check --llm-url, --llm-model and "
                                "THG_LLM_API_KEY")
        try:
            return str(answer.json()["choices"][0]["message"]["content"]).strip()
        except (KeyError, IndexError, TypeError):
            raise PipelineError(f"language model at {url} gave no choices[0].message.content; "
                                "is it an OpenAI-compatible chat endpoint?") from None


LABEL_PROMPT = ("The following papers form one cluster of a taxonomy of talking-head generation research. "
                "Give the cluster a short human-readable thematic label of at most six words. "
                "Answer with the label only.")


def llm_cluster_labels(tax, papers, chat: ChatClient, *, titles: int = 15) -> dict[int, str]:
    """A label per cluster number from the model, given the cluster's distinctive terms and titles."""
    by_id = {p.id: p for p in papers}
    labels = {}
    for c in tax.clusters:
        listing = "\n".join(f"- {by_id[m].title}" for m in c.members[:titles])
        answer = chat.ask(LABEL_PROMPT, f"Distinctive terms: {', '.join(c.terms)}\nTitles:\n{listing}")
        label = " ".join(answer.splitlines()[0].strip(" \"'*.#").split()) if answer else ""
        labels[c.number] = label[:80] or c.label
    return labels


def _family(text: str) -> str:
    low = text.lower()
    for family, rx in _CATEGORY:
        if re.search(rx, low):
            return family
    return ""


def _read_new_metrics(answer: str):
    """New metrics from the answer to the second prompt: a "No" means none; each further line that
    names a metric (acronym or name before a colon / dash) gives one, with its category's family."""
    from thg.survey.extract import NewMetric
    from thg.survey.vocab import lookup

    first = next((line for line in answer.splitlines() if line.strip()), "")
    if re.search(r"\bno\b", first, re.IGNORECASE) and not re.search(r"\byes\b", first, re.IGNORECASE):
        return []
    found: dict[str, NewMetric] = {}
    for line in answer.splitlines()[1:]:
        m = re.match(r"\s*(?:[-*+•]|\d+[.)])?\s*\**([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,4})(?:\s*\(([A-Z][\w\-]+)\))?\**"
                     r"\s*[:\-–]\s*(.+)", line)
        if not m:
            continue
        name = m.group(2) or m.group(1)
        if name.lower() in {"yes", "no", "category", "categories", "answer", "description"} or lookup(name, "metric"):
            if name in found and not found[name].family:
                found[name].family = _family(m.group(3))
            continue
        family = _family(m.group(3))
        if name in found:
            found[name].family = found[name].family or family
        else:
            found[name] = NewMetric(name, family, line.strip())
    return list(found.values())


@dataclass
class LlmExtractor:
    """The survey's LLM extraction, returning the rule-based extractor's record type."""

    chat: ChatClient

    def extract_tex(self, tex: str):
        from thg.survey.extract import clean_latex, experiment_section, extract_text

        section, found = experiment_section(tex)
        text = clean_latex(section)
        answer = self.chat.ask(DATASET_METRIC_PROMPT, text)
        # the answer ("Training: VoxCeleb2. Testing: HDTF. Metrics: PSNR, SSIM, LSE-C") is read with the
        # same vocabulary and role cues as a paper; every match keeps the answer's sentence as evidence
        out = extract_text(_answer_sentences(answer), section_found=found)
        out.new_metrics = _read_new_metrics(self.chat.ask(NEW_METRIC_PROMPT, text))
        return out


def _answer_sentences(answer: str) -> str:
    """One sentence per answer line, so a role named on one line does not leak to the next."""
    lines = [re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s*", "", line).strip() for line in answer.splitlines()]
    out = []
    for line in lines:
        if line:
            # "Metrics: PSNR" reads as an evaluation context for common-word metrics
            line = re.sub(r"^(\**\s*(?:evaluation\s+)?metrics?\s*\**\s*:)", r"Evaluation metrics:", line,
                          flags=re.IGNORECASE)
            out.append(line if line.endswith((".", "!", "?")) else line + ".")
    return "\n".join(out)
