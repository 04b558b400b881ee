"""Index local copies of the common talking-head datasets from their published folder layouts.

Nothing is downloaded: each indexer walks a folder you already have and returns one :class:`Clip`
per video with what the layout tells (speaker, utterance, emotion, intensity, view, gender, official
split, the matching audio file). Layouts recognised (paths relative to the root you give):

============  ===============================================================================
voxceleb1     ``[dev|test/][mp4|video/]id1xxxx/<youtube id>/<nnnnn>.mp4``, audio ``wav/<same>.wav``;
              gender from ``vox1_meta.csv`` when present
voxceleb2     ``[dev|test/]mp4/id0xxxx/<youtube id>/<nnnnn>.mp4``, audio ``[dev|test/]aac/<same>.m4a``;
              gender from ``vox2_meta.csv`` when present
hdtf          ``<WDA|WRA|RD>_<Name>_<nnn>.mp4`` (any depth); source and speaker from the name
mead          ``<M|W><nnn>/video/<view>/<emotion>/level_<k>/<nnn>.mp4``, audio ``<id>/audio/<emotion>/level_<k>/<nnn>.m4a``
crema-d       ``VideoFlash/<actor>_<sentence>_<EMO>_<LVL>.flv`` (or .mp4), audio ``AudioWAV/<same>.wav``;
              gender and age from ``VideoDemographics.csv`` when present
ravdess       ``Actor_<nn>/<mm>-<vc>-<emo>-<int>-<stmt>-<rep>-<actor>.mp4``; odd actors male, even female;
              audio-only files (modality 03) are skipped
grid          ``[video/]s<k>/<utt>.mpg`` (or .mp4), audio ``[audio*/]s<k>/<utt>.wav`` when present
lrs2          ``main|pretrain/<programme id>/<nnnnn>.mp4``; official split from ``train.txt`` / ``val.txt`` /
              ``test.txt`` at the root when present (the programme id stands in for the speaker)
lrs3          ``pretrain|trainval|test/<talk id>/<nnnnn>.mp4`` (the TED talk id stands in for the speaker)
============  ===============================================================================
"""

from __future__ import annotations

import csv
import difflib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from thg.errors import InputError

VIDEO_EXT = (".mp4", ".flv", ".mpg", ".mpeg", ".avi", ".mov", ".mkv", ".webm")
AUDIO_EXT = (".wav", ".m4a", ".aac", ".mp3", ".flac")


@dataclass(frozen=True)
class Clip:
    """One video of a dataset; paths are relative to ``root`` ("/"-separated)."""

    dataset: str
    root: str
    video: str
    speaker: str
    audio: str = ""
    utterance: str = ""
    emotion: str = ""
    intensity: str = ""
    view: str = ""
    gender: str = ""
    age: str = ""
    official_split: str = ""

    @property
    def video_path(self) -> Path:
        return Path(self.root) / self.video

    @property
    def key(self) -> str:
        """Name used to match this clip with a generated video: the video path without extension."""
        return str(Path(self.video).with_suffix("")).replace(os.sep, "/")


def _files(root: Path, exts: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in exts and p.is_file() and not p.name.startswith("."))


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _audio_lookup(root: Path) -> dict[tuple[str, ...], Path]:
    return {p.with_suffix("").relative_to(root).parts: p for p in _files(root, AUDIO_EXT)}


def _find_audio(audio: dict[tuple[str, ...], Path], tail: tuple[str, ...]) -> Path | None:
    """The audio file whose path ends with ``tail`` (path parts without extension)."""
    for parts, path in audio.items():
        if parts[-len(tail):] == tail:
            return path
    return None


def _vox_genders(root: Path, name: str) -> dict[str, str]:
    """Speaker -> gender from the published vox1_meta.csv / vox2_meta.csv (tab or comma separated)."""
    meta = next(iter(sorted(root.rglob(f"vox{name[-1]}_meta.csv"))), None)
    if meta is None:
        return {}
    text = meta.read_text(encoding="utf-8-sig")
    delimiter = "\t" if "\t" in text.splitlines()[0] else ","
    genders = {}
    for row in csv.DictReader(text.splitlines(), delimiter=delimiter):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        spk = row.get(f"VoxCeleb{name[-1]} ID", "")
        g = row.get("Gender", "").lower()
        if spk:
            genders[spk] = {"m": "male", "f": "female"}.get(g, g)
    return genders


def _voxceleb(root: Path, name: str, id_prefix: str) -> list[Clip]:
    genders = _vox_genders(root, name)
    audio = _audio_lookup(root)
    by_tail = {parts[-3:]: p for parts, p in audio.items() if len(parts) >= 3}
    clips = []
    for p in _files(root, VIDEO_EXT):
        parts = p.with_suffix("").relative_to(root).parts
        if len(parts) < 3 or not re.fullmatch(rf"id{id_prefix}\d{{4}}", parts[-3]):
            continue
        split = next((s for s in parts[:-3] if s in ("dev", "test")), "")
        a = by_tail.get(parts[-3:])
        clips.append(Clip(name, str(root), _rel(p, root), parts[-3], _rel(a, root) if a else "",
                          utterance=f"{parts[-2]}/{parts[-1]}", gender=genders.get(parts[-3], ""),
                          official_split=split))
    return clips


def index_voxceleb1(root: Path) -> list[Clip]:
    return _voxceleb(root, "voxceleb1", "1")


def index_voxceleb2(root: Path) -> list[Clip]:
    return _voxceleb(root, "voxceleb2", "0")


def index_hdtf(root: Path) -> list[Clip]:
    clips = []
    for p in _files(root, VIDEO_EXT):
        m = re.fullmatch(r"(WDA|WRA|RD)_(.+?)(?:_(\d+))?", p.stem)
        if m:
            clips.append(Clip("hdtf", str(root), _rel(p, root), f"{m.group(1)}_{m.group(2)}",
                              utterance=m.group(3) or "", view="front"))
    return clips


MEAD_EMOTIONS = ("angry", "contempt", "disgusted", "fear", "happy", "neutral", "sad", "surprised")


def index_mead(root: Path) -> list[Clip]:
    audio = _audio_lookup(root)
    clips = []
    for p in _files(root, VIDEO_EXT):
        parts = p.with_suffix("").relative_to(root).parts
        # <id>/video/<view>/<emotion>/level_<k>/<nnn>
        if len(parts) < 6 or parts[-5] != "video" or not re.fullmatch(r"[MW]\d{3}", parts[-6]):
            continue
        spk, view, emotion, level, utt = parts[-6], parts[-4], parts[-3], parts[-2], parts[-1]
        a = audio.get(parts[:-6] + (spk, "audio", emotion, level, utt))
        clips.append(Clip("mead", str(root), _rel(p, root), spk, _rel(a, root) if a else "", utterance=utt,
                          emotion=emotion, intensity=level.replace("level_", ""), view=view,
                          gender={"M": "male", "W": "female"}[spk[0]]))
    return clips


CREMA_EMOTIONS = {"ANG": "angry", "DIS": "disgusted", "FEA": "fear", "HAP": "happy", "NEU": "neutral", "SAD": "sad"}
CREMA_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}


def index_crema_d(root: Path) -> list[Clip]:
    demo: dict[str, dict[str, str]] = {}
    demo_file = next(iter(root.rglob("VideoDemographics.csv")), None)
    if demo_file is not None:
        with open(demo_file, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                demo[str(row.get("ActorID", "")).strip()] = row
    audio = {p.stem: p for p in _files(root, AUDIO_EXT)}
    clips = []
    for p in _files(root, VIDEO_EXT):
        m = re.fullmatch(r"(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})", p.stem)
        if not m or m.group(3) not in CREMA_EMOTIONS:
            continue
        actor = m.group(1)
        info = demo.get(actor, {})
        a = audio.get(p.stem)
        clips.append(Clip("crema-d", str(root), _rel(p, root), actor, _rel(a, root) if a else "",
                          utterance=m.group(2), emotion=CREMA_EMOTIONS[m.group(3)],
                          intensity=CREMA_LEVELS.get(m.group(4), m.group(4)),
                          gender=str(info.get("Sex", "")).strip().lower(), age=str(info.get("Age", "")).strip()))
    return clips


RAVDESS_EMOTIONS = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry", "06": "fear",
                    "07": "disgusted", "08": "surprised"}


def index_ravdess(root: Path) -> list[Clip]:
    clips = []
    for p in _files(root, VIDEO_EXT):
        m = re.fullmatch(r"(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)", p.stem)
        if not m or m.group(1) == "03" or m.group(3) not in RAVDESS_EMOTIONS:
            continue
        actor = int(m.group(7))
        clips.append(Clip("ravdess", str(root), _rel(p, root), f"Actor_{actor:02d}",
                          utterance=f"{'speech' if m.group(2) == '01' else 'song'}-statement{m.group(5)}-rep{m.group(6)}",
                          emotion=RAVDESS_EMOTIONS[m.group(3)],
                          intensity={"01": "normal", "02": "strong"}.get(m.group(4), m.group(4)),
                          gender="male" if actor % 2 else "female"))
    return clips


def index_grid(root: Path) -> list[Clip]:
    audio = {(p.parent.name, p.stem): p for p in _files(root, AUDIO_EXT)}
    clips = []
    for p in _files(root, VIDEO_EXT):
        if not re.fullmatch(r"s\d{1,2}", p.parent.name) or not re.fullmatch(r"[a-z0-9]{6}", p.stem):
            continue
        a = audio.get((p.parent.name, p.stem))
        clips.append(Clip("grid", str(root), _rel(p, root), p.parent.name, _rel(a, root) if a else "",
                          utterance=p.stem))
    return clips


def _lrs(root: Path, name: str, split_dirs: tuple[str, ...]) -> list[Clip]:
    official: dict[str, str] = {}
    for split in ("train", "val", "test"):
        f = root / f"{split}.txt"
        if f.is_file():
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    official[line.split()[0]] = split
    clips = []
    for p in _files(root, VIDEO_EXT):
        parts = p.with_suffix("").relative_to(root).parts
        if len(parts) < 3 or parts[-3] not in split_dirs or not re.fullmatch(r"\d{5}", parts[-1]):
            continue
        key = f"{parts[-2]}/{parts[-1]}"
        clips.append(Clip(name, str(root), _rel(p, root), parts[-2], utterance=key,
                          official_split=official.get(key, parts[-3])))
    return clips


def index_lrs2(root: Path) -> list[Clip]:
    return _lrs(root, "lrs2", ("main", "pretrain"))


def index_lrs3(root: Path) -> list[Clip]:
    return _lrs(root, "lrs3", ("pretrain", "trainval", "test"))


#: dataset name -> (indexer, a one-line reminder of the layout it expects)
DATASETS: dict[str, tuple[Callable[[Path], list[Clip]], str]] = {
    "voxceleb1": (index_voxceleb1, "id1xxxx/<youtube id>/00001.mp4 (under dev/ or test/ optional)"),
    "voxceleb2": (index_voxceleb2, "dev/mp4/id0xxxx/<youtube id>/00001.mp4"),
    "hdtf": (index_hdtf, "WDA_<Name>_000.mp4 / WRA_... / RD_..."),
    "mead": (index_mead, "M003/video/front/angry/level_1/001.mp4"),
    "crema-d": (index_crema_d, "VideoFlash/1001_DFA_ANG_XX.flv"),
    "ravdess": (index_ravdess, "Actor_01/01-01-01-01-01-01-01.mp4"),
    "grid": (index_grid, "s1/bbaf2n.mpg"),
    "lrs2": (index_lrs2, "main/<programme id>/00001.mp4"),
    "lrs3": (index_lrs3, "trainval/<talk id>/00001.mp4"),
}


def index_dataset(name: str, root: str | os.PathLike) -> list[Clip]:
    """All clips of dataset ``name`` found under ``root``; an empty result is an error naming the layout."""
    key = name.strip().lower().replace("_", "-")
    key = {"cremad": "crema-d", "vox1": "voxceleb1", "vox2": "voxceleb2"}.get(key, key)
    if key not in DATASETS:
        close = difflib.get_close_matches(key, list(DATASETS), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"choose one of {', '.join(DATASETS)}"
        raise InputError(f"unknown dataset {name!r}; {hint}")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{key} root {root}: folder not found; give the folder that holds the dataset")
    indexer, layout = DATASETS[key]
    clips = indexer(root)
    if not clips:
        raise InputError(f"{key} root {root}: no videos in the expected layout (e.g. {layout}); "
                         f"point to the dataset's top folder")
    return clips


INDEX_COLUMNS = [f.name for f in fields(Clip)]


def write_index(clips: Iterable[Clip], path: str | os.PathLike) -> Path:
    from thg.io.output import atomic_output

    path = Path(path)
    with atomic_output(path, overwrite=True) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=INDEX_COLUMNS)
        w.writeheader()
        for c in clips:
            w.writerow(asdict(c))
    return path


def read_index(path: str | os.PathLike) -> list[Clip]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: index CSV not found; make one with `thg eval index DATASET ROOT`")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("dataset", "root", "video", "speaker") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: index lacks column(s) {', '.join(missing)}; "
                             f"make it with `thg eval index DATASET ROOT`")
        return [Clip(**{k: (row.get(k) or "") for k in INDEX_COLUMNS}) for row in reader]


__all__ = ["Clip", "DATASETS", "index_dataset", "write_index", "read_index"]
