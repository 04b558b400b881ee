"""Hostile corpus files: JSON Lines, JSON, CSV, BibTeX and arXiv Atom of any content give a clean
one-line thg error naming the file, or papers that every later step can use (written and read back
unchanged, counted by the trend tables, screened by curation) — never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thg.cli import main
from thg.errors import ThgError
from thg.survey import trends
from thg.survey.corpus import YEARS, load_corpus, write_corpus
from thg.survey.curate import curate

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FEW = settings(FUZZ, max_examples=40)

#: text with what files in the wild hold: control characters, line and paragraph separators, lone surrogates
_text = st.text(st.characters(blacklist_categories=()), max_size=12) | st.sampled_from(
    ["", " ", "2103.11078v3", "hep-th/9901001v2", "\ud800", "a\udc00b", "\u2028", "\x85", "\r", "a;b; ;c",
     "VoxCeleb2:train;HDTF:test+train", "HDTF:eval", "x:", "PSNR", "arXiv", "CVPR 2023", "1e400", "nan", "-3"])
#: JSON numbers as text, including those Python refuses to read (more than 4300 digits) or reads as infinity
_number = st.one_of(st.integers(-10**20, 10**20).map(str), st.floats().map(lambda f: json.dumps(f)),
                    st.sampled_from(["1e400", "-1e400", "2021", "2021.5", "1e15", "-0", "0", "9" * 4301]))
_scalar = st.one_of(st.just("null"), st.just("true"), st.just("false"), _number,
                    _text.map(lambda s: json.dumps(s)), _text.map(lambda s: json.dumps(s, ensure_ascii=False)))
#: any JSON value, as text (json.dumps cannot write a lone surrogate or a 5000-digit number into UTF-8)
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
    st.lists(st.tuples(_text, inner), max_size=4).map(
        lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}")), max_leaves=12)
_deep = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n) | st.integers(1, 3000).map(
    lambda n: '{"a":' * n + "1" + "}" * n)
_plain = st.text(max_size=12).map(json.dumps)          # an ordinary string value, as JSON text
_roles = st.lists(st.sampled_from(["train", "test", "both", "used", "eval"]), max_size=3).map(json.dumps)
#: per field, values of the right shape (most of them) and of any shape, so that every check is reached
_FIELD_VALUES = {
    "year": st.one_of(st.integers(1850, 2150).map(str), st.integers(1850, 2150).map(lambda y: f'"{y}"'), _value,
                      st.sampled_from(['"soon"', "1e15", "0", '""', "null"])),
    "stars": st.one_of(st.integers(-5, 10**6).map(str), _value, st.sampled_from(['"12"', '"many"', "1e400"])),
    "cluster": st.one_of(st.integers(-2, 20).map(str), _value),
    "datasets": st.one_of(
        st.dictionaries(st.sampled_from(["HDTF", "VoxCeleb2", "LRS3", "mine", ""]), _roles | _value, max_size=3).map(
            lambda d: "{" + ",".join(f"{json.dumps(k)}: {v}" for k, v in d.items()) + "}"),
        _value, st.sampled_from(['{"HDTF": "both"}', '{"HDTF": null}', '{"HDTF": []}', '{"HDTF": [["train"]]}',
                                 '"VoxCeleb2:train;HDTF:test+train"', '"HDTF:x+y"', '"HDTF"'])),
    "new_metrics": st.one_of(
        st.lists(st.fixed_dictionaries({"name": st.text(max_size=6)}, optional={
            "family": st.sampled_from(["sync", "visual", ""]), "evidence": st.text(max_size=6)}), max_size=3).map(
            json.dumps),
        _value, st.sampled_from(['[{"name": ["X"], "family": {"a": 1}}]', '["X", 5]', '"A;B"', '[{"x": 1}]',
                                 '[null]', '{"name": "X"}'])),
    "authors": st.one_of(st.lists(st.text(max_size=6), max_size=3).map(json.dumps), _plain, _value),
    "metrics": st.one_of(st.lists(st.sampled_from(["PSNR", "FID", "LSE-C", "mine", " "]), max_size=3).map(json.dumps),
                         st.just('"PSNR;FID"'), _value),
    "extra": st.one_of(_value, _value, _deep),
}
for _name in ("abstract", "venue", "method", "code_url", "theme"):
    _FIELD_VALUES[_name] = _plain | _value
_FIELD_VALUES[" id "] = _FIELD_VALUES["title"] = st.sampled_from(['"2103.11078v1"', '"x"', '" a "']) | _value
_KEYS = [" id ", "title", "abstract", "year", "venue", "authors", "method", "code_url", "stars", "cluster",
         "datasets", "metrics", "new_metrics", "extra", " id ", "theme"]
_pair = st.sampled_from(_KEYS).flatmap(lambda k: st.tuples(st.just(k), _FIELD_VALUES.get(k, _value)))
#: a paper record as a JSON object's text: nearly always with an id and a title, and some more fields
_record = st.tuples(st.integers(0, 19), st.lists(_pair, max_size=5),
                    st.sampled_from(["a", "2103.11078v2", "b", "a ", "2103.11078"])).map(
    lambda t: "{" + ",".join(([f'"id": "{t[2]}"', '"title": "A talking head paper"'] if t[0] else [])
                             + [f"{json.dumps(k)}: {v}" for k, v in t[1]]) + "}")
#: a line that is not one paper: another JSON value, nesting, plain text, or a record cut short
_junk = st.one_of(_value, _deep, _text.map(lambda s: s.replace("\n", " ")),
                  _record.flatmap(lambda r: st.integers(0, len(r)).map(lambda n: r[:n])))
#: records with, now and then, one junk line among them
_lines = st.tuples(st.lists(_record, max_size=4), st.none() | st.none() | st.none() | _junk, st.integers(0, 4)).map(
    lambda t: t[0] if t[1] is None else t[0][:t[2]] + [t[1]] + t[0][t[2]:])


def _encode(text: str, how: str) -> bytes:
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    data = text.encode("utf-8", "surrogatepass")     # a lone surrogate written as UTF-8 bytes: not UTF-8
    return b"\xef\xbb\xbf" + data if how == "bom" else data


_encoding = st.sampled_from(["utf-8"] * 6 + ["bom", "latin-1"])


def _check(path: Path) -> None:
    """``path`` loads as valid papers, or gives a one-line ThgError that names it."""
    try:
        papers = load_corpus(path)
    except ThgError as e:
        assert "\n" not in str(e) and str(path) in str(e), str(e)
        return
    for p in papers:
        assert isinstance(p.id, str) and p.id == p.id.strip() and p.id
        assert isinstance(p.title, str) and p.title.strip()
        assert all(isinstance(getattr(p, name), str) for name in ("abstract", "venue", "method", "code_url"))
        assert p.year is None or YEARS[0] <= p.year <= YEARS[1]
        assert all(v is None or type(v) is int for v in (p.year, p.stars, p.cluster))
        assert all(isinstance(a, str) and a for a in p.authors + p.metrics)
        assert all(isinstance(name, str) and roles and set(roles) <= {"train", "test", "used"}
                   for name, roles in p.datasets.items())
        assert all(isinstance(m, dict) and all(isinstance(m.get(k, ""), str) for k in ("name", "family", "evidence"))
                   for m in p.new_metrics)
        assert isinstance(p.extra, dict)
    assert len({p.id for p in papers}) == len(papers)
    with tempfile.TemporaryDirectory() as tmp:        # what was read is written and read back unchanged
        out = Path(tmp) / "again.jsonl"
        write_corpus(papers, out)
        again = load_corpus(out)
    assert [json.dumps(p.to_dict(), sort_keys=True) for p in again] == [
        json.dumps(p.to_dict(), sort_keys=True) for p in papers]
    for table in (trends.dataset_usage, trends.metric_usage, trends.family_usage, trends.new_metric_usage,
                  trends.code_stats, trends.unknown_names):
        table(papers)
    curate(papers)


@FUZZ
@given(lines=_lines, newline=st.sampled_from(["\n", "\r\n", "\n\n", "\r"]), how=_encoding)
def test_jsonl_of_any_content(tmp_path, lines, newline, how):
    path = tmp_path / "c.jsonl"
    path.write_bytes(_encode(newline.join(lines) + newline, how))
    _check(path)


@FEW
@given(items=_lines, wrap=st.sampled_from(["list", "papers", "bare"]), how=_encoding)
def test_json_of_any_content(tmp_path, items, wrap, how):
    body = "[" + ",".join(items) + "]"
    text = {"list": body, "papers": '{"papers": ' + body + "}", "bare": ",".join(items)}[wrap]
    path = tmp_path / "c.json"
    path.write_bytes(_encode(text, how))
    _check(path)


_cell = _text | st.sampled_from(['"unclosed', "x" * 140_000, "a,b", '""', "\x00"])


@FEW
@given(header=st.lists(st.sampled_from(_KEYS) | _text, max_size=6).map(lambda h: ["id", "title"] + h),
       rows=st.lists(st.lists(_cell, max_size=9), max_size=4), how=_encoding)
def test_csv_of_any_content(tmp_path, header, rows, how):
    text = "\n".join(",".join(row) for row in [header, *rows])
    path = tmp_path / "c.csv"
    path.write_bytes(_encode(text, how))
    _check(path)


_bib_value = _text.map(lambda s: "{" + s + "}") | _text.map(lambda s: f'"{s}"') | _number | st.sampled_from(
    ["{" * 50, "}" * 5, "{a {b} c}", '"unclosed', ""])
_bib_entry = st.tuples(st.sampled_from(["article", "inproceedings", "comment", "string", "misc", ""]),
                       _text.map(lambda s: s.replace(",", "") or "key"),
                       st.lists(st.tuples(st.sampled_from(["title", "year", "author", "eprint", "journal", "url",
                                                           "booktitle", "abstract"]), _bib_value), max_size=5)).map(
    lambda e: f"@{e[0]}{{{e[1]},\n" + ",\n".join(f"  {k} = {v}" for k, v in e[2]) + "\n}\n")


@FEW
@given(entries=st.lists(_bib_entry | _text, max_size=4), how=_encoding)
def test_bibtex_of_any_content(tmp_path, entries, how):
    path = tmp_path / "c.bib"
    path.write_bytes(_encode("\n".join(entries), how))
    _check(path)


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;")


_atom_entry = st.lists(st.tuples(st.sampled_from(["id", "title", "summary", "published", "arxiv:journal_ref",
                                                  "arxiv:comment", "author"]), _text), max_size=6).map(
    lambda tags: "<entry>" + "".join(f"<{t}>{_xml_escape(v)}</{t}>" if t != "author" else
                                     f"<author><name>{_xml_escape(v)}</name></author>" for t, v in tags) + "</entry>")


@FEW
@given(entries=st.lists(_atom_entry, max_size=4), cut=st.integers(0, 10**4) | st.none(),
       doctype=st.sampled_from(["", '<!DOCTYPE f [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                                '<!DOCTYPE f [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                                '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>']),
       how=_encoding)
def test_atom_of_any_content(tmp_path, entries, cut, doctype, how):
    text = (f'<?xml version="1.0"?>{doctype}<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:arxiv="http://arxiv.org/schemas/atom">' + "".join(entries) + "</feed>")
    if doctype.count("ENTITY") > 1:
        text = text.replace("<title>", "<title>&d;", 1)
    path = tmp_path / "c.xml"
    path.write_bytes(_encode(text[:cut] if cut is not None else text, how))
    _check(path)


# -- the commands that read a corpus: one "Error:" line (exit 1) or a result, never a traceback ----------

def _one_error_line(result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "unexpected internal error" not in result.output, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1, result.output


@FEW
@given(lines=_lines, how=_encoding)
def test_curate_and_import_of_any_corpus(tmp_path, lines, how):
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        folder = Path(tmp)
        (folder / "c.jsonl").write_bytes(_encode("\n".join(lines) + "\n", how))
        for args in (["curate", "c.jsonl", "-o", "kept.jsonl", "--min-stars", "0"],
                     ["import", "c.jsonl", "-o", "all.jsonl"]):
            result = CliRunner().invoke(main, ["survey", *[str(folder / a) if a.endswith(".jsonl") else a
                                                           for a in args]])
            if result.exit_code != 0:
                _one_error_line(result)
                assert not (folder / args[3]).exists()
            else:
                assert "Error" not in result.output
                load_corpus(folder / args[3])
            # nothing else written: no partial file, no temporary folder
            assert {p.name for p in folder.iterdir()} <= {"c.jsonl", "kept.jsonl", "all.jsonl"}


CORRUPT = {
    "surrogate": '{"id": "a", "title": "\\ud83d"}\n',
    "5000 digits": '{"id": "a", "title": "t", "stars": ' + "9" * 5000 + "}\n",
    "year 1e15": '{"id": "a", "title": "t", "year": 1e15}\n{"id": "b", "title": "u", "year": 2021}\n',
    "roles": '{"id": "a", "title": "t", "datasets": {"HDTF": 5}}\n',
    "deep extra": '{"id": "a", "title": "t", "extra": ' + "[" * 500 + "]" * 500 + "}\n",
    "cut short": '{"id": "a", "title": "t"}\n{"id": "b", "tit',
    "binary": bytes(range(256)).decode("latin-1"),
}


def test_commands_given_a_corrupt_corpus_print_one_error_line(tmp_path):
    """Each corrupt corpus through each command that reads one: exit 1, one ``Error:`` line, nothing written."""
    for case, content in CORRUPT.items():
        path = tmp_path / "c.jsonl"
        path.write_bytes(content.encode("utf-8", "surrogatepass") if case != "binary" else content.encode("latin-1"))
        for args in (["import", path, "-o", tmp_path / "o.jsonl"], ["curate", path, "-o", tmp_path / "o.jsonl"],
                     ["taxonomy", "--corpus", path, "-o", tmp_path / "tax"], ["trends", path, "-o", tmp_path / "tr"],
                     ["extract", "--input", tmp_path / "none", "--corpus", path, "-o", tmp_path / "ex"]):
            if args[0] == "extract":
                (tmp_path / "none").mkdir(exist_ok=True)
                (tmp_path / "none" / "p.tex").write_text("\\section{Experiments} We test on HDTF.")
            result = CliRunner().invoke(main, ["survey", *map(str, args)])
            assert result.exit_code == 1, (case, args[0], result.output)
            errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1 and str(path) in errors[0], (case, args[0], result.output)
            assert "Traceback" not in result.output and "unexpected internal error" not in result.output
            assert sorted(p.name for p in tmp_path.iterdir() if p.name != "none") == ["c.jsonl"], (case, args[0])
