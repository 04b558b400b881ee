import pytest

from thg.errors import InputError
from thg.survey.extract import (
    clean_latex,
    experiment_section,
    extract_tex,
    extract_text,
    find_source,
    list_sources,
    paper_id_from_name,
    read_tex_source,
)


@pytest.fixture(scope="module")
def multi_file(data_dir):
    """A paper split over main.tex and sections/experiments.tex (\\input), with an appendix."""
    return extract_tex(read_tex_source(data_dir / "tex" / "2301.10001"))


def test_datasets_get_their_training_and_testing_roles(multi_file):
    assert multi_file.section_found
    assert multi_file.datasets == {"VoxCeleb2": ["train"], "MEAD": ["train"], "HDTF": ["test"], "CREMA-D": ["test"]}


def test_text_outside_the_experiment_section_and_comments_is_ignored(multi_file):
    # GRID/LRW in the introduction, CelebV-Text in the conclusion, RAVDESS in the appendix, LRS2 commented out
    assert not {"GRID", "LRW", "CelebV-Text", "RAVDESS", "LRS2"} & set(multi_file.datasets)


def test_metrics_are_normalised_and_losses_are_not_metrics(multi_file):
    assert multi_file.metrics == ["PSNR", "SSIM", "LPIPS", "FID", "LSE-C", "LSE-D", "LMD", "Diversity"]
    assert "L1" not in multi_file.metrics


def test_a_proposed_metric_is_found_with_its_family(multi_file):
    assert [(m.name, m.family) for m in multi_file.new_metrics] == [("EIE", "expression")]
    assert "Emotion Intensity Error" in multi_file.new_metrics[0].evidence


def test_one_file_paper_with_a_dataset_used_for_both_roles(data_dir):
    found = extract_tex(read_tex_source(data_dir / "tex" / "2201.10002.tex"))
    assert found.datasets == {"MEAD": ["test", "train"], "CREMA-D": ["train"], "RAVDESS": ["test"]}
    assert found.metrics == ["EmotionAcc", "SSIM", "LSE-D", "F-LMD"]


def test_without_an_experiment_section_the_whole_text_is_read(data_dir):
    found = extract_tex(read_tex_source(data_dir / "tex" / "2101.10000.tex"))
    assert not found.section_found
    assert found.datasets == {"HDTF": ["train"]} and found.metrics == ["PSNR", "LPIPS"]


def test_section_choice_skips_appendix_results():
    tex = r"\section{Method} a \section{Evaluation} We test on HDTF. \section{Limits} b \appendix \section{Results} c"
    body, found = experiment_section(tex)
    assert found and "HDTF" in body and "Limits" not in body


def test_clean_latex_unwraps_formatting_and_splits_table_rows():
    out = clean_latex(r"We use \textbf{\emph{HDTF}}~\cite{x}." "\n" r"A & PSNR$\uparrow$ \\ B & 30 \\")
    assert "HDTF" in out and "cite" not in out and "PSNR↑" in out
    lines = out.splitlines()
    assert [i for i, line in enumerate(lines) if "PSNR" in line] != [i for i, line in enumerate(lines) if "30" in line]


def test_common_words_count_as_metrics_only_in_evaluation_context():
    assert extract_text("The diversity of poses in the data is large.").metrics == []
    assert extract_text("We evaluate diversity and smoothness of head motion.").metrics == ["Diversity", "Smoothness"]


def test_sources_are_found_by_id_and_missing_ones_reported(data_dir, tmp_path):
    root = data_dir / "tex"
    assert find_source(root, "2301.10001").is_dir()
    assert find_source(root, "2201.10002").suffix == ".tex"
    assert find_source(root, "9999.99999") is None
    with pytest.raises(InputError, match="no .tex file"):
        read_tex_source(tmp_path)


@pytest.mark.parametrize("sentence,names", [
    ("We further propose a metric called LipScore to judge lip shapes.", ["LipScore"]),
    ("We design an evaluation metric (SyncNet3D) that measures 3D lip sync.", ["SyncNet3D"]),
    ("We introduce the metrics used (Ours is best): PSNR and FID.", []),
    ("Prior work proposed a new metric (FVD) for video.", []),          # known metrics are not new
    ("We propose a new architecture (UNet) for the metric head.", []),  # no metric is proposed
])
def test_new_metric_sentences(sentence, names):
    assert [m.name for m in extract_text(sentence).new_metrics] == names


def _records(data_dir):
    import json

    return [json.loads(line) for line in (data_dir / "sections.jsonl").read_text(encoding="utf-8").splitlines()]


def test_precision_and_recall_on_sections_written_in_varied_spellings(data_dir):
    """12 experiment sections with hand-made answers (datasets with role, metrics), spelt as papers do."""
    found_d = true_d = hit_d = found_m = true_m = hit_m = 0
    for rec in _records(data_dir):
        out = extract_tex(rec["text"]).to_record(rec["id"])
        got_d = {(d["name"], d["role"]) for d in out["datasets"]}
        want_d = set(rec["datasets"].items())
        got_m, want_m = {m["name"] for m in out["metrics"]}, set(rec["metrics"])
        found_d, true_d, hit_d = found_d + len(got_d), true_d + len(want_d), hit_d + len(got_d & want_d)
        found_m, true_m, hit_m = found_m + len(got_m), true_m + len(want_m), hit_m + len(got_m & want_m)
    scores = {"dataset+role precision": hit_d / found_d, "dataset+role recall": hit_d / true_d,
              "metric precision": hit_m / found_m, "metric recall": hit_m / true_m}
    print("\n" + "\n".join(f"{k}: {v:.3f}" for k, v in scores.items()))
    assert all(v >= 0.85 for v in scores.values()), scores


def _pack(folder, archive):
    import tarfile

    with tarfile.open(archive, "w:gz") as tar:
        for f in sorted(folder.rglob("*")):
            tar.add(f, arcname=f.relative_to(folder).as_posix(), recursive=False)


def test_eprint_archives_read_like_the_unpacked_source(data_dir, tmp_path):
    import gzip

    folder = data_dir / "tex" / "2301.10001"
    _pack(folder, tmp_path / "2301.10001v2.tar.gz")
    (tmp_path / "2201.10002").write_bytes(gzip.compress((data_dir / "tex" / "2201.10002.tex").read_bytes()))
    assert read_tex_source(tmp_path / "2301.10001v2.tar.gz") == read_tex_source(folder)
    assert extract_tex(read_tex_source(tmp_path / "2201.10002")).datasets["RAVDESS"] == ["test"]
    ids = [pid for pid, _ in list_sources(tmp_path)]
    assert ids == ["2201.10002", "2301.10001"]          # arXiv serves e-prints without an extension
    (tmp_path / "broken.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(InputError, match="broken.tar.gz: not a readable arXiv e-print"):
        read_tex_source(tmp_path / "broken.tar.gz")


def test_a_folder_is_one_paper_or_a_folder_of_papers(data_dir):
    assert [(pid, src.name) for pid, src in list_sources(data_dir / "tex" / "2301.10001")] == [
        ("2301.10001", "2301.10001")]
    assert [pid for pid, _ in list_sources(data_dir / "tex")] == ["2101.10000", "2201.10002", "2301.10001"]
    assert paper_id_from_name("hep-th_9901001v1.gz") == "hep-th/9901001"


def test_records_give_one_role_and_the_evidence_sentence():
    rec = extract_tex(r"\section{Experiments} We conduct experiments on HDTF. We report PSNR.").to_record("x")
    assert rec["datasets"] == [{"name": "HDTF", "role": "both", "group": "audiovisual",
                                "evidence": "We conduct experiments on HDTF."}]
    assert rec["metrics"] == [{"name": "PSNR", "family": "visual", "evidence": "We report PSNR."}]


# -- found by the fuzz suite (tests/survey/test_extract_fuzz.py) ------------------------------------------

def test_a_zip_reads_like_the_unpacked_folder(data_dir, tmp_path):
    """Overleaf exports a .zip; it was read as if its bytes were LaTeX."""
    import zipfile

    folder = data_dir / "tex" / "2301.10001"
    with zipfile.ZipFile(tmp_path / "2301.10001.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*.tex")):
            z.write(f, f.relative_to(folder).as_posix())
    assert read_tex_source(tmp_path / "2301.10001.zip") == read_tex_source(folder)
    assert [pid for pid, _ in list_sources(tmp_path)] == ["2301.10001"]


def test_inputs_that_include_each_other_are_pasted_once(tmp_path):
    """main.tex and a.tex each \\input the other 50 times: 50 copies a level, 8 levels deep: a hang."""
    src = tmp_path / "paper"
    src.mkdir()
    (src / "main.tex").write_text("\\documentclass{article}<main>" + "\\input{a}" * 50)
    (src / "a.tex").write_text("<a>" + "\\input{main}\\input{a}" * 50)
    assert read_tex_source(src) == "\\documentclass{article}<main><a>"


def test_a_tar_that_unpacks_past_the_cap_is_refused(tmp_path, monkeypatch):
    import gzip
    import io
    import tarfile

    from thg.survey import extract

    monkeypatch.setattr(extract, "_MAX_UNPACKED_BYTES", 1 << 20)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("data.bin")
        info.size = 2 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    (tmp_path / "bomb.tar.gz").write_bytes(gzip.compress(raw.getvalue()))    # 2 MiB of zeros: a few kB
    with pytest.raises(InputError, match="bomb.tar.gz: unpacks to more than 1 MiB"):
        read_tex_source(tmp_path / "bomb.tar.gz")


def test_a_member_that_declares_more_than_the_archive_holds_is_refused(tmp_path):
    """It read as "holds no .tex file" (the declared 8 GiB counted against the cap, not what was there)."""
    import tarfile

    info = tarfile.TarInfo("main.tex")
    info.size = 2**33
    (tmp_path / "p.tar").write_bytes(info.tobuf(tarfile.GNU_FORMAT) + b"\\documentclass{article}".ljust(512, b"\0"))
    with pytest.raises(InputError, match=r"p.tar: not a readable arXiv e-print archive \(unexpected end of data\)"):
        read_tex_source(tmp_path / "p.tar")


def test_too_much_latex_and_unreadable_sources_are_one_clean_error(tmp_path, monkeypatch):
    from pathlib import Path

    from thg.survey import extract

    (tmp_path / "p.tex").write_text("\\documentclass{article}" + "x" * 2000)
    (tmp_path / "empty.tar.gz").write_bytes(b"")
    monkeypatch.setattr(extract, "_MAX_SOURCE_BYTES", 1000)
    with pytest.raises(InputError, match=r"p.tex: holds more than \d+ MiB of .tex files"):
        read_tex_source(tmp_path / "p.tex")
    with pytest.raises(InputError, match=r"empty.tar.gz: is empty \(0 bytes\)"):
        read_tex_source(tmp_path / "empty.tar.gz")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)       # as a file without read permission does (tests run as root)
    with pytest.raises(InputError, match=r"p.tex: cannot be read \(Permission denied\)"):
        read_tex_source(tmp_path / "p.tex")


def test_clean_latex_reads_optional_arguments_only_so_far():
    """An optional argument is read up to 200 characters: an unclosed ``[`` (hostile or broken
    LaTeX) is left as text instead of being sought to the end of the file by every later command
    (20,000 copies of ``\\cite[`` took 9.5 s when the search was unbounded)."""
    from thg.survey.extract import clean_latex

    assert clean_latex(r"See \cite[p.~3]{a} and \textbf[x]{bold}.") == "See and bold."
    assert clean_latex(r"\emph[" + "x" * 300 + "]{kept} end").endswith("kept end")
    hostile = r"\cite[" * 20000 + " The end."
    assert clean_latex(hostile).endswith("The end.")
