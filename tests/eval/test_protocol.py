"""The four test-split protocols of survey section 3.4, written as split files with their seeds."""

from __future__ import annotations

import json

import pytest

from thg.errors import InputError
from thg.eval import protocol
from thg.eval.datasets import Clip

EMOTIONS = ("angry", "happy", "neutral", "sad")


def corpus(name="vox", speakers=10, per_speaker=4, emotions=False, views=False):
    clips = []
    for s in range(speakers):
        for u in range(per_speaker):
            clips.append(Clip(name, "/data", f"spk{s:02d}/{u:03d}.mp4", f"spk{s:02d}",
                              emotion=EMOTIONS[u % 4] if emotions else "",
                              view=("front", "left_30", "right_30", "top")[u % 4] if views else ""))
    return clips


def speakers_of(ids):
    return {i.split(":", 1)[1].split("/")[0] for i in ids}


def test_iid_holds_out_20_percent_of_speakers():
    clips = corpus()
    split = protocol.split_iid(clips, seed=7)
    assert len(split.test_speakers) == 2
    assert speakers_of(split.test) == set(split.test_speakers)
    assert not speakers_of(split.train) & set(split.test_speakers)
    assert sorted(split.train + split.test) == sorted(f"vox:{c.video}" for c in clips)
    assert protocol.split_iid(clips, seed=7).test == split.test
    seeds = {tuple(protocol.split_iid(clips, seed=s).test_speakers) for s in range(10)}
    assert len(seeds) > 3  # the seed decides which speakers are held out
    assert len(protocol.split_iid(corpus(speakers=3), seed=0).test_speakers) == 1  # at least one, never all
    with pytest.raises(InputError, match="at least 2 speakers"):
        protocol.split_iid(corpus(speakers=1))


def test_cross_dataset():
    train, test = corpus("voxceleb2"), corpus("hdtf", speakers=5)
    split = protocol.split_cross_dataset(train, test, max_test=6, seed=1)
    assert len(split.test) == 6 and all(t.startswith("hdtf:") for t in split.test)
    assert split.params["train_datasets"] == ["voxceleb2"] and split.params["test_datasets"] == ["hdtf"]
    assert protocol.split_cross_dataset(train, test, max_test=6, seed=1).test == split.test
    with pytest.raises(InputError, match="voxceleb2 is in both"):
        protocol.split_cross_dataset(train, train)


def test_emotion_split_is_balanced_and_speaker_disjoint():
    clips = corpus("crema-d", speakers=10, per_speaker=12, emotions=True)
    split = protocol.split_emotion(clips, per_emotion=4, seed=3)
    assert split.params["test_per_emotion"] == {e: 4 for e in EMOTIONS}
    assert len(split.test) == 16
    assert speakers_of(split.test) <= set(split.test_speakers)
    assert not speakers_of(split.train) & set(split.test_speakers)
    with pytest.raises(InputError, match="no clip carries an emotion label"):
        protocol.split_emotion(corpus())


def test_low_shot_and_novel_view():
    clips = corpus("mead", speakers=5, per_speaker=8, views=True)
    split = protocol.split_low_shot(clips, shots=3, window=25, seed=2)
    assert split.params["novel_view"] is True
    assert set(split.adaptation) == set(split.test_speakers) and len(split.test_speakers) == 1
    for spk, ada in split.adaptation.items():
        assert len(ada["frames"]) == 3 and all(0 <= f < 25 for f in ada["frames"])
        assert ada["frames"] == sorted(set(ada["frames"]))
        assert ada["clip"] not in split.test
        assert "/000.mp4" in ada["clip"] or "/004.mp4" in ada["clip"]  # a frontal clip (views cycle every 4)
    views = {c.video: c.view for c in clips}
    assert split.test and all(views[t.split(":", 1)[1]] != "front" for t in split.test)
    plain = protocol.split_low_shot(corpus(), shots=1, seed=0)
    spk = plain.test_speakers[0]
    assert len(plain.test) == 2 * 3  # two held-out speakers, their 4 clips minus the adaptation clip
    assert plain.adaptation[spk]["clip"].startswith(f"vox:{spk}/")
    with pytest.raises(InputError, match="1 to 5 frames"):
        protocol.split_low_shot(clips, shots=8)


def test_split_file_round_trip(tmp_path):
    split = protocol.split_iid(corpus(), seed=11)
    path = protocol.write_split(split, tmp_path / "splits" / "iid.json")
    data = json.loads(path.read_text())
    assert data["seed"] == 11 and data["protocol"] == "iid" and data["counts"]["test_speakers"] == 2
    back = protocol.read_split(path)
    assert back.test == split.test and back.train == split.train and back.seed == 11
    (tmp_path / "bad.json").write_text('{"schema": "other"}')
    with pytest.raises(InputError, match="not a thg split file"):
        protocol.read_split(tmp_path / "bad.json")


def test_cli_index_and_split(tmp_path):
    from click.testing import CliRunner

    from thg.cli import main

    for actor in range(1, 11):
        for emo in ("01", "03", "04", "05"):
            p = tmp_path / "ravdess" / f"Actor_{actor:02d}" / f"01-01-{emo}-01-01-01-{actor:02d}.mp4"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"")
    runner = CliRunner()
    res = runner.invoke(main, ["eval", "index", "ravdess", str(tmp_path / "ravdess"), "-o", str(tmp_path / "i.csv")])
    assert res.exit_code == 0, res.output
    assert "40 clips of 10 speakers" in res.output
    res = runner.invoke(main, ["eval", "split", str(tmp_path / "i.csv"), "--protocol", "emotion", "--seed", "5",
                               "-o", str(tmp_path / "emotion.json")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "emotion.json").read_text())
    assert data["seed"] == 5 and data["counts"]["test"] == 8 and data["counts"]["test_speakers"] == 2
    assert len(data["sources"]["index"]["sha256"]) == 64
    res = runner.invoke(main, ["eval", "split", str(tmp_path / "i.csv"), "--protocol", "cross-dataset",
                               "-o", str(tmp_path / "x.json")])
    assert res.exit_code == 2 and "needs --test-index" in res.output


def test_split_file_is_not_replaced_silently_and_bad_json_is_named(tmp_path):
    from thg.errors import OutputExistsError

    path = protocol.write_split(protocol.split_iid(corpus(), seed=1), tmp_path / "iid.json")
    before = path.read_text()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        protocol.write_split(protocol.split_iid(corpus(), seed=2), path)
    assert path.read_text() == before
    protocol.write_split(protocol.split_iid(corpus(), seed=2), path, overwrite=True)
    assert protocol.read_split(path).seed == 2
    (tmp_path / "torn.json").write_text('{"schema": ')
    with pytest.raises(InputError, match="torn.json: thg split file is not valid JSON"):
        protocol.read_split(tmp_path / "torn.json")
