import pytest

from thg.errors import InputError
from thg.survey.corpus import arxiv_year, load_corpus, merge_corpora, write_corpus


def test_arxiv_api_answer_becomes_papers(data_dir):
    papers = load_corpus(data_dir / "arxiv_feed.xml")
    assert [p.id for p in papers] == ["2101.10000", "2301.10001", "2305.20000"]  # versions dropped
    first = papers[0]
    assert first.title == "Audio-conditioned radiance fields for portrait video"  # whitespace folded
    assert first.abstract.startswith("We render a speaking person")
    assert first.authors == ["A. Author", "B. Author"]
    assert first.venue == "ICCV 2022" and first.peer_reviewed
    assert first.year == 2022                              # published (journal_ref), not submitted (2021)
    assert not papers[1].peer_reviewed and papers[1].year == 2023


def test_csv_lists_and_dataset_roles(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,title,year,datasets,metrics,notes\n"
                    "p1,A paper,2022,VoxCeleb2:train;HDTF:test+train,PSNR;LMD,kept aside\n", encoding="utf-8")
    (paper,) = load_corpus(path)
    assert paper.datasets == {"VoxCeleb2": ["train"], "HDTF": ["test", "train"]}
    assert paper.metrics == ["PSNR", "LMD"] and paper.extra == {"notes": "kept aside"}


def test_jsonl_round_trip(tmp_path, abstracts_path):
    papers = load_corpus(abstracts_path)
    out = tmp_path / "out.jsonl"
    write_corpus(papers, out)
    again = load_corpus(out)
    assert [p.to_dict() for p in again] == [p.to_dict() for p in papers]
    assert again[0].extra["theme"] == "nerf"


@pytest.mark.parametrize("content,message", [
    ('{"id": "a", "title": "x"}\n{"id": "a", "title": "y"}\n', "appears twice"),
    ('{"id": "a"}\n', "c.jsonl:1: the record has no 'title'"),
    ('{"id": "a", "title": "x", "year": "soon"}\n', "c.jsonl:1: year 'soon' is not a whole number"),
    ('not json\n', "c.jsonl:1: not valid JSON"),
    ('{"id": "a", "title": "x", "datasets": {"HDTF": ["eval"]}}\n', "role 'eval'"),
])
def test_bad_records_name_the_line_and_the_problem(tmp_path, content, message):
    path = tmp_path / "c.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_corpus(path)


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown corpus format '.ris'"):
        (tmp_path / "x.ris").write_text("TY  - JOUR")
        load_corpus(tmp_path / "x.ris")
    with pytest.raises(InputError, match="not found"):
        load_corpus(tmp_path / "none.jsonl")


def test_merge_fills_gaps_from_later_copies(data_dir):
    feed, extra = load_corpus(data_dir / "arxiv_feed.xml"), load_corpus(data_dir / "extra.csv")
    merged = {p.id: p for p in merge_corpora([feed, extra])}
    assert len(merged) == 4
    assert merged["2301.10001"].stars == 420 and merged["2301.10001"].abstract  # abstract from the feed kept
    assert merged["2201.10002"].venue == "CVPR 2022"


def test_year_from_arxiv_id():
    assert arxiv_year("2103.11078") == 2021
    assert arxiv_year("9913.00001") is None and arxiv_year("hep-th/9901001") is None


def test_bibtex_entries_become_papers(data_dir):
    first, second = load_corpus(data_dir / "refs.bib")
    assert first.id == "2103.11078" and first.title.startswith("AD-NeRF: Audio Driven")
    assert first.authors == ["Guo, Yudong", "Chen, Keyu", "Liang, Sen"]
    assert first.venue == "ICCV" and first.peer_reviewed and first.year == 2021
    assert second.id == "someone2024" and second.venue == "arXiv" and not second.peer_reviewed
    assert second.year == 2024 and second.abstract == "We make lips move in sync."
    assert second.extra["bibkey"] == "someone2024"


def test_bibtex_without_entries_is_refused(tmp_path):
    (tmp_path / "empty.bib").write_text("% nothing here\n")
    with pytest.raises(InputError, match="no BibTeX entry"):
        load_corpus(tmp_path / "empty.bib")


# -- found by the fuzz suite (tests/survey/test_corpus_fuzz.py): each was a traceback or a hang before --------

@pytest.mark.parametrize("name, content, message", [
    ("c.jsonl", '{"id": "a", "title": "t", "stars": ' + "9" * 5000 + "}\n",
     r"c.jsonl:1: not valid JSON \(a number too long to read, over 4300 digits\)"),
    ("c.json", '[{"id": "a", "title": "t"}, null]', r"c.json: item 2 is null; give a list of paper objects"),
    ("c.json", '{"id": "a", "title": "t", "n": ' + "1" * 4400 + "}", "a number too long to read"),
    ("c.csv", "id,title\na," + "x" * 140_000 + "\n", r"c.csv:2: not readable as CSV \(field larger than field limit"),
    ("c.jsonl", '{"id": "a", "title": "\\ud83d smile"}\n', r"c.jsonl:1: 'title' holds '\\ud83d', half of a surrogate"),
    ("c.jsonl", '{"id": "a", "title": "t", "datasets": {"HDTF": 5}}\n', "dataset 'HDTF' has a number for its roles"),
    ("c.jsonl", '{"id": "a", "title": "t", "year": 1e15}\n', "year 1000000000000000 is not a publication year"),
    ("c.jsonl", '{"id": "a", "title": "t", "extra": ' + "[" * 500 + "]" * 500 + "}\n",
     "'extra' is nested more than 32 deep"),
])
def test_hostile_records_are_one_clean_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_corpus(path)


def test_odd_but_readable_records_load_and_write_back(tmp_path):
    """A byte order mark, dataset roles left empty and new metrics with odd fields all read; what is
    read is written and read back unchanged."""
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"id": "a", "title": "t", "year": 2021, "datasets": {"HDTF": null, "LRS3": []},'
                     b' "new_metrics": [{"name": ["X"], "family": {"f": 1}}, 5]}\n')
    (paper,) = load_corpus(path)
    assert paper.datasets == {"HDTF": ["used"], "LRS3": ["used"]}
    assert paper.new_metrics == [{"name": "['X']", "family": "{'f': 1}", "evidence": ""},
                                 {"name": "5", "family": "", "evidence": ""}]
    write_corpus([paper], tmp_path / "again.jsonl")
    assert load_corpus(tmp_path / "again.jsonl")[0].to_dict() == paper.to_dict()


def test_an_unreadable_corpus_is_one_clean_error(tmp_path, monkeypatch):
    from pathlib import Path

    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "title": "t"}\n')

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)        # as a file without read permission does (tests run as root)
    with pytest.raises(InputError, match=r"c.jsonl: cannot read the corpus file \(Permission denied\)"):
        load_corpus(path)


def test_bibtex_errors_name_the_line_of_their_entry(tmp_path):
    path = tmp_path / "r.bib"
    path.write_text("@article{a, title = {One}}\n\n@article{b,\n  title = {Two}}\n@misc{c, year = {2021}}\n")
    with pytest.raises(InputError, match=r"r.bib:5: the record has no 'title'"):
        load_corpus(path)
