"""A live talking head on one clock: what the portrait shows and says at any moment of a session.

The session clock counts audio samples at 48 kHz (what WebRTC's Opus carries); video frame ``k``
is the instant ``k / fps`` on that same clock, so sound and picture cannot drift apart, however
late a frame is rendered. Utterances are :class:`Segment` s placed on the clock; between them the
face idles (blinks, breathing, small head motion) from a looped idle track. An utterance drives
the mouth and brows; head and eyes keep following the idle track, so speech starts and stops
without a jump of the head.

    talker = Talker(portrait_rgb, config)         # finds the face, prepares the renderer
    talker.say("Hello there", at=talker.sample_of_frame(10))   # or prepare(text), then schedule(...)
    frame = talker.frame(12)                      # RGB, the mouth moving
    pcm = talker.audio(start, 960)                # int16 samples of the 20 ms packet at ``start``
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from thg.io.audio import SAMPLE_RATE, Audio, resample
from thg.motion.track import CHANNEL_NAMES, MotionTrack

RATE = 48000                     # the session clock and the audio sent, samples per second
IDLE_SECONDS = 20.0              # the idle track, played forward and backward so its ends meet
#: what speech drives; the rest (head, eyes) follows the idle track throughout
SPEECH_CHANNELS = [CHANNEL_NAMES.index(c) for c in ("mouth_open", "mouth_wide", "mouth_round", "tongue", "brow_l", "brow_r")]
RELEASE_FRAMES = 4               # an interrupted mouth closes over this many frames, not at once


@dataclass
class Segment:
    """One utterance on the session clock."""

    start: int                   # clock sample where its sound begins
    pcm: np.ndarray              # int16 at RATE
    track: MotionTrack           # its motion; frame 0 at ``start``
    text: str = ""

    @property
    def end(self) -> int:
        return self.start + len(self.pcm)


class Talker:
    def __init__(self, portrait, config=None) -> None:
        from thg.pipeline import GenerateConfig, TalkingHeadPipeline

        self.pipe = TalkingHeadPipeline(config=config or GenerateConfig(max_size=512))
        self.fps = self.pipe.config.fps
        self.portrait = self.pipe.load_portrait(portrait)          # finds the face, prepares the renderer
        silence = Audio(np.zeros(int(IDLE_SECONDS * SAMPLE_RATE), np.float32))
        idle = speech_motion(self.pipe, silence, []).values
        self.idle = np.concatenate([idle, idle[-2:0:-1]])         # forward, then back: no seam
        self.segments: list[Segment] = []
        self._lock = threading.Lock()
        self._buffer = self.portrait.copy()
        self._release: tuple[int, np.ndarray] | None = None      # (frame, mouth row) of an interruption
        self._relay_end = 0                                        # where relayed sound ends on the clock

    # --- the clock -------------------------------------------------------------------------------
    def sample_of_frame(self, k: int) -> int:
        return int(round(k * RATE / self.fps))

    def frame_of_sample(self, s: int) -> int:
        return int(np.ceil(s * self.fps / RATE))

    # --- speech ----------------------------------------------------------------------------------
    def prepare(self, text: str) -> tuple[np.ndarray, MotionTrack]:
        """Speech and motion for ``text`` (the slow part; needs no lock)."""
        return prepare_speech(text, self.pipe.config)

    def say(self, text: str, at: int, *, interrupt: bool = True) -> Segment:
        """Speak ``text`` from clock sample ``at`` (or after what is queued, without ``interrupt``)."""
        return self.schedule(*self.prepare(text), at, interrupt=interrupt, text=text)

    def schedule(self, pcm: np.ndarray, track: MotionTrack, at: int, *, interrupt: bool = True,
                 text: str = "") -> Segment:
        """Place prepared speech on the clock at sample ``at`` (after what is queued, without ``interrupt``)."""
        with self._lock:
            if interrupt:
                self._cut(at)
            start = max([at] + [s.end for s in self.segments])
            start = self.sample_of_frame(self.frame_of_sample(start))   # sound and frame 0 start together
            segment = Segment(start, pcm, track, text)
            self.segments.append(segment)
        return segment

    def relay(self, pcm: np.ndarray, mouth_open: float, at: int) -> Segment:
        """Voice live sound (a microphone's) from clock sample ``at``, or right after the sound relayed
        before it if that ends later, with the mouth as open as given; returns its segment."""
        with self._lock:
            start = max(at, self._relay_end)
            track = MotionTrack(self.fps, self.idle[self.frame_of_sample(start) % len(self.idle)][None].copy())
            track["mouth_open"] = track["mouth_open"] + mouth_open     # on top of the emotion's own
            segment = Segment(start, pcm, track, "")
            self._relay_end = segment.end
            self.segments.append(segment)
        return segment

    def interrupt(self, at: int) -> None:
        """Silence everything from clock sample ``at`` on."""
        with self._lock:
            self._cut(at)

    def _cut(self, at: int) -> None:
        kept = []
        for s in self.segments:
            if s.start >= at:
                continue
            if s.end > at:
                frame = self.frame_of_sample(at)
                self._release = (frame, self._speech_row(s, frame))
                n = at - s.start
                s = Segment(s.start, s.pcm[:n], MotionTrack(s.track.fps, s.track.values[: max(1, frame - self.frame_of_sample(s.start))]), s.text)
            kept.append(s)
        self.segments = kept

    def speaking(self, at: int) -> bool:
        with self._lock:
            return any(s.start <= at < s.end for s in self.segments)

    def forget_before(self, at: int) -> None:
        """Drop utterances that ended before clock sample ``at`` (a long session keeps no history)."""
        with self._lock:
            self.segments = [s for s in self.segments if s.end > at]

    # --- what is sent ----------------------------------------------------------------------------
    def audio(self, start: int, n: int) -> np.ndarray:
        """The int16 samples from clock sample ``start`` to ``start + n``: speech or silence."""
        out = np.zeros(n, np.int16)
        with self._lock:
            for s in self.segments:
                a, b = max(start, s.start), min(start + n, s.end)
                if a < b:
                    out[a - start: b - start] = s.pcm[a - s.start: b - s.start]
        return out

    def _speech_row(self, s: Segment, k: int) -> np.ndarray:
        i = k - self.frame_of_sample(s.start)
        return s.track.values[min(max(i, 0), len(s.track) - 1), SPEECH_CHANNELS]

    def motion(self, k: int) -> np.ndarray:
        """The motion row of frame ``k``: the idle row, with speech's mouth and brows while one speaks."""
        row = self.idle[k % len(self.idle)].copy()
        at = self.sample_of_frame(k)
        with self._lock:
            current = next((s for s in self.segments if s.start <= at < s.end), None)
            if current is not None:
                row[SPEECH_CHANNELS] = self._speech_row(current, k)
            elif self._release is not None and 0 <= k - self._release[0] < RELEASE_FRAMES:
                fade = 1.0 - (k - self._release[0] + 1) / (RELEASE_FRAMES + 1)
                row[SPEECH_CHANNELS] = fade * self._release[1] + (1 - fade) * row[SPEECH_CHANNELS]
        return row

    def frame(self, k: int) -> np.ndarray:
        """The RGB frame ``k`` (a new array; the renderer's buffer is reused underneath)."""
        return self.pipe.renderer.render(self.motion(k), out=self._buffer).copy()


def prepare_speech(text: str, config) -> tuple[np.ndarray, MotionTrack]:
    """The int16 speech at :data:`RATE` and the motion for ``text`` under the pipeline ``config``.

    A plain function of picklable values, so a server can run it in a process of its own, where
    it does not wait for the interpreter lock that rendering threads hold.
    """
    from thg.features.speech import synthesize
    from thg.pipeline import TalkingHeadPipeline

    speech, phonemes = synthesize(text, config.lang)
    track = speech_motion(TalkingHeadPipeline(config=config), speech, phonemes)
    pcm = np.clip(resample(speech.samples, speech.sample_rate, RATE) * 32767, -32768, 32767).astype(np.int16)
    return pcm, track


def speech_motion(pipe, audio: Audio, phonemes: list) -> MotionTrack:
    """The pipeline's motion for speech whose phonemes are known (its streaming stages, run to the end)."""
    from thg.io.audio import SpeechSource
    from thg.pipeline import Speech

    return pipe.make_motion(Speech(SpeechSource.from_audio(audio), None, phonemes, 1.0))
