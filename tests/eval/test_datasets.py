"""Dataset indexers on tiny fake trees laid out like the published datasets (empty files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from thg.errors import InputError
from thg.eval import datasets


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")


def by_video(clips):
    return {c.video: c for c in clips}


def test_voxceleb1_and_2(tmp_path):
    touch(tmp_path / "v1", "dev/mp4/id10001/1zcIwhmdeo4/00001.mp4", "test/mp4/id10270/5r0dWxy17C8/00002.mp4",
          "dev/wav/id10001/1zcIwhmdeo4/00001.wav", "dev/mp4/id10001/notes.txt", "dev/mp4/misc/a/00001.mp4")
    (tmp_path / "v1" / "vox1_meta.csv").write_text("VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\n"
                                                   "id10001\tA.J._Buckley\tm\tIreland\tdev\n"
                                                   "id10270\tEliza_Taylor\tf\tAustralia\ttest\n")
    clips = by_video(datasets.index_dataset("voxceleb1", tmp_path / "v1"))
    assert clips["test/mp4/id10270/5r0dWxy17C8/00002.mp4"].gender == "female"
    assert set(clips) == {"dev/mp4/id10001/1zcIwhmdeo4/00001.mp4", "test/mp4/id10270/5r0dWxy17C8/00002.mp4"}
    c = clips["dev/mp4/id10001/1zcIwhmdeo4/00001.mp4"]
    assert (c.speaker, c.utterance, c.official_split, c.gender) == ("id10001", "1zcIwhmdeo4/00001", "dev", "male")
    assert c.audio == "dev/wav/id10001/1zcIwhmdeo4/00001.wav"
    assert clips["test/mp4/id10270/5r0dWxy17C8/00002.mp4"].audio == ""
    touch(tmp_path / "v2", "dev/mp4/id00012/21Uxsk56VDQ/00001.mp4", "dev/aac/id00012/21Uxsk56VDQ/00001.m4a",
          "dev/mp4/id10001/x/00001.mp4")  # a VoxCeleb1 id is not VoxCeleb2
    clips2 = datasets.index_dataset("vox2", tmp_path / "v2")
    assert [c.speaker for c in clips2] == ["id00012"] and clips2[0].audio.endswith(".m4a")


def test_hdtf(tmp_path):
    touch(tmp_path, "WDA_BarackObama_000.mp4", "WDA_BarackObama_001.mp4", "RD_Radio34_003.mp4", "other.mp4")
    clips = by_video(datasets.index_dataset("hdtf", tmp_path))
    assert set(clips) == {"WDA_BarackObama_000.mp4", "WDA_BarackObama_001.mp4", "RD_Radio34_003.mp4"}
    assert clips["WDA_BarackObama_001.mp4"].speaker == "WDA_BarackObama"
    assert clips["RD_Radio34_003.mp4"].utterance == "003"


def test_mead(tmp_path):
    touch(tmp_path, "M003/video/front/angry/level_1/001.mp4", "M003/video/left_30/angry/level_1/001.mp4",
          "W015/video/front/happy/level_3/012.mp4", "M003/audio/angry/level_1/001.m4a")
    clips = by_video(datasets.index_dataset("mead", tmp_path))
    c = clips["M003/video/left_30/angry/level_1/001.mp4"]
    assert (c.speaker, c.view, c.emotion, c.intensity, c.gender) == ("M003", "left_30", "angry", "1", "male")
    assert c.audio == "M003/audio/angry/level_1/001.m4a"
    w = clips["W015/video/front/happy/level_3/012.mp4"]
    assert (w.gender, w.emotion, w.intensity, w.audio) == ("female", "happy", "3", "")


def test_crema_d_with_demographics(tmp_path):
    touch(tmp_path, "VideoFlash/1001_DFA_ANG_XX.flv", "VideoFlash/1002_IEO_HAP_HI.flv", "AudioWAV/1001_DFA_ANG_XX.wav",
          "VideoFlash/1001_DFA_XYZ_XX.flv")
    (tmp_path / "VideoDemographics.csv").write_text("ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,"
                                                    "Not Hispanic\n1002,21,Female,Caucasian,Not Hispanic\n")
    clips = by_video(datasets.index_dataset("CREMA-D", tmp_path))
    assert set(clips) == {"VideoFlash/1001_DFA_ANG_XX.flv", "VideoFlash/1002_IEO_HAP_HI.flv"}
    a = clips["VideoFlash/1001_DFA_ANG_XX.flv"]
    assert (a.speaker, a.emotion, a.intensity, a.gender, a.age, a.utterance) == \
        ("1001", "angry", "unspecified", "male", "51", "DFA")
    assert a.audio == "AudioWAV/1001_DFA_ANG_XX.wav"
    assert clips["VideoFlash/1002_IEO_HAP_HI.flv"].intensity == "high"


def test_ravdess(tmp_path):
    touch(tmp_path, "Actor_01/01-01-05-02-01-02-01.mp4", "Actor_02/02-02-03-01-02-01-02.mp4",
          "Actor_02/03-01-03-01-02-01-02.wav", "Actor_02/03-01-03-01-02-01-02.mp4")
    clips = by_video(datasets.index_dataset("ravdess", tmp_path))
    assert set(clips) == {"Actor_01/01-01-05-02-01-02-01.mp4", "Actor_02/02-02-03-01-02-01-02.mp4"}
    a = clips["Actor_01/01-01-05-02-01-02-01.mp4"]
    assert (a.speaker, a.emotion, a.intensity, a.gender, a.utterance) == \
        ("Actor_01", "angry", "strong", "male", "speech-statement01-rep02")
    b = clips["Actor_02/02-02-03-01-02-01-02.mp4"]
    assert (b.gender, b.emotion, b.utterance) == ("female", "happy", "song-statement02-rep01")


def test_grid_and_lrs(tmp_path):
    touch(tmp_path / "grid", "video/s1/bbaf2n.mpg", "video/s12/lgbs5a.mpg", "audio_25k/s1/bbaf2n.wav",
          "align/bbaf2n.align")
    grid = by_video(datasets.index_dataset("grid", tmp_path / "grid"))
    assert grid["video/s1/bbaf2n.mpg"].speaker == "s1" and grid["video/s1/bbaf2n.mpg"].audio.endswith("bbaf2n.wav")
    assert grid["video/s12/lgbs5a.mpg"].utterance == "lgbs5a"
    touch(tmp_path / "lrs2", "main/5535415699068794046/00001.mp4", "main/5535415699068794046/00001.txt",
          "main/6330311066473698535/00011.mp4", "pretrain/5535415699068794046/00002.mp4")
    (tmp_path / "lrs2" / "test.txt").write_text("6330311066473698535/00011 NF\n")
    (tmp_path / "lrs2" / "train.txt").write_text("5535415699068794046/00001\n")
    lrs2 = by_video(datasets.index_dataset("lrs2", tmp_path / "lrs2"))
    assert lrs2["main/6330311066473698535/00011.mp4"].official_split == "test"
    assert lrs2["main/5535415699068794046/00001.mp4"].official_split == "train"
    assert lrs2["pretrain/5535415699068794046/00002.mp4"].official_split == "pretrain"
    touch(tmp_path / "lrs3", "trainval/0af00UcTOSc/50001.mp4", "test/0Fi83BHQsMA/00002.mp4")
    lrs3 = by_video(datasets.index_dataset("lrs3", tmp_path / "lrs3"))
    assert lrs3["test/0Fi83BHQsMA/00002.mp4"].speaker == "0Fi83BHQsMA"
    assert lrs3["trainval/0af00UcTOSc/50001.mp4"].official_split == "trainval"


def test_index_round_trip_and_errors(tmp_path):
    touch(tmp_path / "r", "Actor_01/01-01-05-02-01-02-01.mp4")
    clips = datasets.index_dataset("ravdess", tmp_path / "r")
    path = datasets.write_index(clips, tmp_path / "index.csv")
    assert datasets.read_index(path) == clips
    assert clips[0].video_path == tmp_path / "r" / "Actor_01" / "01-01-05-02-01-02-01.mp4"
    with pytest.raises(InputError, match="did you mean ravdess"):
        datasets.index_dataset("ravdes", tmp_path / "r")
    with pytest.raises(InputError, match="no videos in the expected layout .*M003/video/front"):
        datasets.index_dataset("mead", tmp_path / "r")
    with pytest.raises(InputError, match="folder not found"):
        datasets.index_dataset("mead", tmp_path / "missing")


def test_an_index_serves_as_metadata_for_breakdowns(tmp_path):
    from thg.eval import stats

    touch(tmp_path / "mead", "M003/video/front/angry/level_1/001.mp4", "W015/video/front/happy/level_3/001.mp4")
    clips = datasets.index_dataset("mead", tmp_path / "mead")
    meta = stats.load_metadata(datasets.write_index(clips, tmp_path / "index.csv"))
    assert set(meta) == {c.key for c in clips} == {"M003/video/front/angry/level_1/001",
                                                   "W015/video/front/happy/level_3/001"}
    groups = stats.breakdown({c.key: float(i) for i, c in enumerate(clips)}, meta, "gender", n_boot=100)
    assert set(groups) == {"male", "female"}
