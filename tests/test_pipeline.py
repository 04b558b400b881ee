"""The streaming pipeline on a real photo and real espeak-ng speech: order, time, audio, early stop,
errors from every stage, and the same frames as the whole-clip path."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
import soundfile as sf
from threadpoolctl import threadpool_info

from thg.errors import InputError, UsageError
from thg.features.speech import PhoneRecognizer, prosody, recognize_phonemes
from thg.io import load_audio, read_video_frames
from thg.motion.speech import MotionStyle, SpeechMotion, motion_from_speech
from thg.pipeline import GenerateConfig, TalkingHeadPipeline

FPS = 25


def _stage_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("thg-")]


def _children() -> list[int]:
    """Live child processes of this process (from /proc)."""
    me, out = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            out.append(int(pid))
    return out


@pytest.fixture(scope="module")
def pipe():
    return TalkingHeadPipeline(post=[], config=GenerateConfig(style=MotionStyle(blink_rate=30, seed=3)))  # no watermark: raw renders


@pytest.fixture(scope="module")
def streamed(pipe, portrait, speech_path):
    with pipe.stream(portrait, audio=speech_path) as frames:
        out = [(f.index, f.time, f.image, f.audio, f.motion) for f in frames]
    return frames, out


def test_frames_come_in_order_with_their_time_and_audio(streamed, speech_path, portrait):
    stream, frames = streamed
    data, rate = sf.read(str(speech_path), dtype="float32")
    assert stream.sample_rate == rate == 22050 and stream.fps == FPS
    assert [f[0] for f in frames] == list(range(stream.n_frames))
    assert stream.n_frames == round(len(data) / rate * FPS)
    assert all(t == i / FPS for i, t, *_ in frames)
    # each frame carries its own 40 ms of the speech; joined, they are the input, sample for sample
    lengths = np.array([len(f[3]) for f in frames])
    assert np.all(np.abs(lengths[:-1] - rate / FPS) <= 1)
    assert np.array_equal(np.concatenate([f[3] for f in frames]), data)
    assert all(f[2].shape == portrait.shape and f[2].dtype == np.uint8 for f in frames)
    assert np.array_equal(np.stack([f[4] for f in frames]), stream.motion.values)


def test_stream_gives_the_whole_clip_paths_frames(streamed, pipe, portrait, speech_path, tmp_path):
    """The motion made block by block is the whole clip's, and so are the rendered frames; the
    MP4 of `generate` holds them within the encoder's noise."""
    stream, frames = streamed
    track = pipe.make_motion(pipe.load_speech(speech_path, None))
    assert np.array_equal(track.values, stream.motion.values)
    audio = load_audio(speech_path)
    whole = motion_from_speech(recognize_phonemes(audio), prosody(audio, FPS, len(track)), len(track),
                               pipe.config.style, phoneme_weight=0.8)
    assert np.array_equal(whole.values, track.values)
    for i in (0, len(frames) // 2, len(frames) - 1):
        assert np.array_equal(pipe.renderer.render(track.values[i]), frames[i][2])
    out = tmp_path / "batch.mp4"
    result = pipe(portrait, audio=speech_path, output=out)
    assert np.array_equal(result.motion.values, track.values)
    decoded = list(read_video_frames(out))
    assert len(decoded) == len(frames)
    for got, (_, _, image, *_rest) in zip(decoded, frames):
        psnr = 10 * np.log10(255 ** 2 / np.mean((got.astype(float) - image) ** 2))
        assert psnr > 35


def test_phonemes_and_mouth_in_blocks_equal_the_whole_clips(speech_path):
    audio = load_audio(speech_path)
    long = np.tile(audio.samples, 12)  # 40 s: two utterances of the recogniser
    from thg.io.audio import Audio

    whole = recognize_phonemes(Audio(long))
    recognizer, got, rng = PhoneRecognizer(), [], np.random.default_rng(0)
    k = 0
    while k < len(long):
        step = int(rng.integers(500, 9000))
        new = recognizer.feed(long[k: k + step])
        k += step
        assert all(ph.end <= recognizer.settled_until + 1e-9 for ph in new)
        got += new
    got += recognizer.finish()
    assert len(whole) > 200
    assert got == whole
    # the mouth made as phonemes arrive, in uneven pieces, is the whole clip's
    n = round(len(long) / 16000 * FPS)
    feats = prosody(Audio(long), FPS, n)
    reference = motion_from_speech(whole, feats, n, phoneme_weight=0.8)
    motion, i = SpeechMotion(feats, n, phoneme_weight=0.8), 0
    while i < len(whole):
        j = min(len(whole), i + int(rng.integers(1, 12)))
        ready = motion.add(whole[i:j], known_until=whole[j - 1].end)
        assert ready <= max(0, round((whole[j - 1].end - 0.7) * FPS) + 1)  # no frame before its look-ahead
        i = j
    assert motion.add([]) == n
    assert np.array_equal(motion.track.values, reference.values)


def test_text_stream_brings_its_synthesised_speech(pipe, portrait, tmp_path):
    """The frames' audio joins up to the speech saved for muxing (16-bit WAV: equal within its step)."""
    with pipe.stream(portrait, text="Hello there, nice to meet you.", tmp=tmp_path) as frames:
        chunks = [f.audio for f in frames]
    saved, rate = sf.read(str(frames.audio_file), dtype="float32")
    assert frames.sample_rate == rate and frames.motion.meta["driver"] == "text"
    joined = np.concatenate(chunks)
    assert len(joined) == len(saved) > rate
    assert np.abs(joined - saved).max() <= 1 / 32768 + 1e-7


def test_given_motion_takes_the_speech_up_to_its_end(pipe, portrait, speech_path):
    from thg.motion import MotionTrack

    track = MotionTrack.zeros(20, FPS)
    track["mouth_open"] = np.linspace(0, 0.4, 20)
    with pipe.stream(portrait, audio=speech_path, motion=track) as frames:
        got = list(frames)
    data, rate = sf.read(str(speech_path), dtype="float32")
    assert [f.index for f in got] == list(range(20))
    assert np.array_equal(np.concatenate([f.audio for f in got]), data[: round(20 * rate / FPS)])
    assert np.array_equal(np.stack([f.motion for f in got]), track.values)


def test_closing_early_releases_threads_and_processes(pipe, portrait, speech_path, tmp_path):
    """An M4A is decoded by an ffmpeg process as it streams: closing after three frames ends it too."""
    import subprocess

    from thg.io.video import ffmpeg_exe

    m4a = tmp_path / "speech.m4a"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(speech_path), "-c:a", "aac", str(m4a)], check=True)
    before = set(_children())
    frames = pipe.stream(portrait, audio=m4a)
    got = [next(frames) for _ in range(3)]
    assert [f.index for f in got] == [0, 1, 2] and _stage_threads()
    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert set(blas) == {1}     # (see thg.blas)
    with pytest.raises(UsageError, match="streaming already"):  # its renderer is busy with this one
        pipe.stream(portrait, audio=m4a)
    frames.close()
    assert not _stage_threads()
    assert set(_children()) <= before
    with pytest.raises(StopIteration):
        next(frames)
    # dropping an unfinished stream without closing it stops it as well
    frames = pipe.stream(portrait, audio=m4a)
    next(frames)
    del frames
    assert not _stage_threads()


class _Broken(Exception):
    pass


def test_errors_from_every_stage_reach_the_caller(pipe, portrait, speech_path, monkeypatch):
    def fail_at(k):
        def step(frame, seen=[]):  # noqa: B006 - counts calls
            seen.append(1)
            if len(seen) == k:
                raise _Broken(f"frame {k}")
            return frame
        return step

    # a post filter (the render stage)
    broken = TalkingHeadPipeline(post=[fail_at(5)])
    with broken.stream(portrait, audio=speech_path) as frames:
        with pytest.raises(_Broken, match="frame 5"):
            for _ in frames:
                pass
    assert not _stage_threads()
    # the phoneme recogniser (the speech stage)
    monkeypatch.setattr(PhoneRecognizer, "feed", lambda self, x: (_ for _ in ()).throw(_Broken("speech")))
    with pytest.raises(_Broken, match="speech"):
        list(pipe.stream(portrait, audio=speech_path))
    assert not _stage_threads()
    # bad input is refused before any frame, with the usual one-line error
    bad = speech_path.parent / "nan.wav"
    sf.write(str(bad), np.full(16000, np.nan, np.float32), 16000, subtype="FLOAT")
    with pytest.raises(InputError, match="NaN"):
        pipe.stream(portrait, audio=bad)
