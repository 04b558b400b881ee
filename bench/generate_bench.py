"""Speed and memory of generation, side by side in one run (issue targets in brackets).

    python bench/generate_bench.py                     # all figures, long input 5 min
    python bench/generate_bench.py --long-minutes 60   # the long-input memory run at 60 min
    python bench/generate_bench.py --quick             # skip the long-input run

Input: scikit-image's astronaut (512 px; resized for 256 and 1280 px) and about 27 s of espeak-ng
speech as espeak-ng writes it (22.05 kHz WAV). Each run is a fresh child process, so figures
include mediapipe's and the face rig's start-up but not Python's imports (except the cold CLI).

Prints: render frames/s at a 512×512 face crop [>= 250]; end to end at 512 px [>= 6x real time]
and its ratio to the encode floor, the same frames encoded alone with the same settings in the
same run [>= 0.5]; 1280 px [>= 2.5x] and 256 px [>= 10x]; the encoder as an ffmpeg process
against PyAV in-process on the same frames; time to the first frame from `pipe.stream` with
models loaded [<= 200 ms] and from a cold CLI start [<= 1.5 s]; peak RSS for 10 s and a long
input [within 10 %, < 400 MB], the encoder and recogniser processes apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TEXT = ("The quick brown fox jumps over the lazy dog. Bob bought a big blue map, and we will open it "
        "together. How are you today? I hope the weather is fine where you are. Peter picked a peck "
        "of pickled peppers, and then he walked all the way home. We met by the pool at noon, and the "
        "water was warm. Maybe tomorrow we can try again, if the weather holds. She sells sea shells by "
        "the sea shore, and the shells she sells are surely sea shells. Thank you for listening, and have "
        "a wonderful day.")


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", load average %.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}{load}"


def portrait(size: int) -> np.ndarray:
    import cv2
    from skimage import data

    img = data.astronaut()
    if size == img.shape[0]:
        return img
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if size < 512 else cv2.INTER_CUBIC)


def make_inputs(tmp: Path, long_minutes: float) -> dict[str, Path]:
    import cv2
    import soundfile as sf

    paths = {}
    for size in (256, 512, 1280):
        paths[f"img{size}"] = tmp / f"portrait{size}.png"
        cv2.imwrite(str(paths[f"img{size}"]), portrait(size)[:, :, ::-1])
    paths["mirror"] = tmp / "mirror.png"
    cv2.imwrite(str(paths["mirror"]), portrait(512)[:, ::-1, ::-1])
    paths["speech"] = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(paths["speech"]), TEXT], check=True)
    data, rate = sf.read(str(paths["speech"]), dtype="float32")
    for name, seconds in (("s10", 10.0), ("long", long_minutes * 60)):
        paths[name] = tmp / f"{name}.wav"
        reps = int(np.ceil(seconds * rate / len(data)))
        with sf.SoundFile(str(paths[name]), "w", rate, 1, subtype="PCM_16") as f:
            left = int(seconds * rate)
            for _ in range(reps):  # written piece by piece: the long file is never in memory here
                f.write(data[: min(left, len(data))])
                left -= len(data)
    return paths


def child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON line last."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


_RUN = """
import json, os, resource, sys, time
from thg.limits import Limits
from thg.pipeline import GenerateConfig, TalkingHeadPipeline
image, wav, out = sys.argv[1:4]
t = time.perf_counter()
config = GenerateConfig(max_size=None, limits=Limits(seconds=4 * 3600))   # (an hour is over the default cap)
r = TalkingHeadPipeline(config=config)(image, audio=wav, output=out, overwrite=True)
total = time.perf_counter() - t
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
c = os.times()
print(json.dumps({"duration": r.duration, "total": total, "frames": r.n_frames, "start": r.timings["start"],
                  "first_frame": r.timings["first_frame"], "rss_mb": self_mb, "children_mb": children_mb,
                  "cpu": c.user + c.system, "children_cpu": c.children_user + c.children_system,
                  "render_cpu": r.timings["render_cpu"], "speech_cpu": r.timings["speech_cpu"]}))
"""


def end_to_end(image: Path, wav: Path, out: Path) -> dict:
    res = child(_RUN, str(image), str(wav), str(out))
    res["rtf"] = res["duration"] / res["total"]
    return res


_ENCODE = """
import json, os, sys, time
import numpy as np
from thg.io.video import VideoWriter, read_video_frames
from thg.pipeline import GenerateConfig
video, wav, raw, out = sys.argv[1:5]
frames = read_video_frames(video)
first = next(frames)
h, w = first.shape[:2]
with open(raw, "wb") as f:          # the run's own frames, on disk (not memory)
    f.write(first.tobytes())
    for frame in frames:
        f.write(frame.tobytes())
n = os.path.getsize(raw) // (w * h * 3)
cfg = GenerateConfig()
def ffmpeg_process():
    data = np.memmap(raw, np.uint8, "r", shape=(n, h, w, 3))
    with VideoWriter(out, w, h, fps=cfg.fps, audio_path=wav, crf=cfg.crf, preset=cfg.preset) as writer:
        for frame in data:
            writer.write(frame)
def pyav():
    import av, soundfile as sf
    data = np.memmap(raw, np.uint8, "r", shape=(n, h, w, 3))
    with av.open(out, "w") as container:
        video = container.add_stream("libx264", rate=int(cfg.fps))
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        video.options = {"crf": str(cfg.crf), "preset": cfg.preset}
        video.codec_context.thread_type = "AUTO"
        info = sf.info(wav)
        audio = container.add_stream("aac", rate=info.samplerate)
        audio.layout, audio.bit_rate = "mono", 128000
        for frame in data:
            for packet in video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
                container.mux(packet)
        pos = 0
        for block in sf.blocks(wav, blocksize=1024, dtype="float32", frames=int(n / cfg.fps * info.samplerate)):
            af = av.AudioFrame.from_ndarray(block[None], format="flt", layout="mono")
            af.sample_rate, af.pts = info.samplerate, pos
            pos += len(block)
            for packet in audio.encode(af):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                container.mux(packet)
res = {"frames": n}
for name, fn in (("ffmpeg", ffmpeg_process), ("pyav", pyav), ("ffmpeg2", ffmpeg_process), ("pyav2", pyav)):
    t, c = time.perf_counter(), os.times()
    fn()
    d = os.times()
    res[name] = {"wall": time.perf_counter() - t, "cpu": d.user - c.user + d.system - c.system
                 + d.children_user - c.children_user + d.children_system - c.children_system}
os.remove(raw)
print(json.dumps(res))
"""


def encode_floor(video: Path, wav: Path, tmp: Path) -> dict:
    """The run's own frames encoded alone, with the same settings: the ffmpeg process (what thg
    uses) and PyAV in-process, twice each, alternating."""
    return child(_ENCODE, str(video), str(wav), str(tmp / "frames.raw"), str(tmp / "floor.mp4"))


_FIRST = """
import json, sys, time
from thg.pipeline import TalkingHeadPipeline
image, other, wav = sys.argv[1:4]
pipe = TalkingHeadPipeline()
def first_frame(img):
    t = time.perf_counter()
    with pipe.stream(img, audio=wav) as frames:
        next(frames)
        return time.perf_counter() - t
first_frame(image)                          # loads the models
same = min(first_frame(image) for _ in range(3))    # the photo the renderer is prepared for
new = min(first_frame(p) for p in (other, image, other))  # a photo to analyse first
print(json.dumps({"same_photo": same, "new_photo": new}))
"""

_COLD = """
import sys, time
from thg.io import video
write = video.VideoWriter.write
def first(self, frame):
    if not self.frames_written:
        print("FIRST", time.time(), file=sys.stderr, flush=True)
    write(self, frame)
video.VideoWriter.write = first
from thg.cli import main
sys.argv = ["thg", *sys.argv[1:]]
main()
"""


def cold_cli_first_frame(image: Path, wav: Path, out: Path) -> float:
    """From spawning `thg generate` (a fresh interpreter) to its first frame reaching the encoder."""
    t = time.time()
    proc = subprocess.run([sys.executable, "-c", _COLD, "generate", "-i", str(image), "-a", str(wav), "-o", str(out),
                           "--overwrite", "-q"], capture_output=True, text=True, check=True)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("FIRST"))
    return float(line.split()[1]) - t


def render_speed() -> float:
    from thg.features import find_face
    from thg.features.speech import prosody, synthesize
    from thg.motion.speech import MotionStyle, motion_from_speech
    from thg.render import MeshWarpRenderer
    from thg.render.rig import CROP_SCALE

    # scale the photo so that the animated crop is 512×512
    base = find_face(portrait(512))
    size = int(round(512 * 512 / (CROP_SCALE * base.size)))
    img = portrait(size)
    renderer = MeshWarpRenderer()
    renderer.prepare(img, find_face(img))
    audio, phonemes = synthesize(TEXT)
    n = int(audio.duration * 25)
    track = motion_from_speech(phonemes, prosody(audio, 25, n), n, MotionStyle())
    for row in track.values[:10]:
        renderer.render_crop(row)
    t = time.perf_counter()
    for row in track.values:
        renderer.render_crop(row)
    fps = len(track) / (time.perf_counter() - t)
    print(f"render: crop {renderer.rig.size[0]}x{renderer.rig.size[1]}, {len(track)} frames: {fps:.0f} frames/s [>= 250]")
    return fps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the long-input memory run")
    ap.add_argument("--long-minutes", type=float, default=5.0, help="length of the long-input run")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        paths = make_inputs(tmp, args.long_minutes)
        import soundfile as sf

        info = sf.info(str(paths["speech"]))
        print(f"input: astronaut portrait; espeak-ng speech {info.frames / info.samplerate:.1f} s at "
              f"{info.samplerate} Hz")
        render_speed()
        r512 = end_to_end(paths["img512"], paths["speech"], tmp / "out512.mp4")
        floor = encode_floor(tmp / "out512.mp4", paths["speech"], tmp)
        ff = min(floor["ffmpeg"]["wall"], floor["ffmpeg2"]["wall"])
        print(f"end to end 512px: {r512['rtf']:.1f}x real time [>= 6], {r512['frames']} frames in {r512['total']:.2f} s "
              f"(start-up {r512['start']:.2f} s); encode floor {ff:.2f} s ({r512['duration'] / ff:.1f}x real time): "
              f"ratio {ff / r512['total']:.2f} [>= 0.5]")
        print(f"  CPU of that run: {r512['cpu']:.1f} s in thg's process (render stage {r512['render_cpu']:.1f} s, "
              f"speech stage {r512['speech_cpu']:.1f} s, the rest start-up and feeding the encoder), "
              f"{r512['children_cpu']:.1f} s in the encoder and recogniser processes")
        for name in ("ffmpeg", "pyav"):
            wall = " / ".join(f"{floor[k]['wall']:.2f}" for k in (name, name + "2"))
            cpu = " / ".join(f"{floor[k]['cpu']:.2f}" for k in (name, name + "2"))
            print(f"  encoder {name:6s} (same frames and settings): wall {wall} s, CPU {cpu} s")
        for size, target in ((1280, 2.5), (256, 10)):
            r = end_to_end(paths[f"img{size}"], paths["speech"], tmp / f"out{size}.mp4")
            print(f"end to end {size}px: {r['rtf']:.1f}x real time [>= {target:g}]")
        first = child(_FIRST, str(paths["img512"]), str(paths["mirror"]), str(paths["speech"]))
        print(f"first frame from pipe.stream, models loaded: {first['same_photo'] * 1000:.0f} ms for the prepared "
              f"photo, {first['new_photo'] * 1000:.0f} ms for a new one [<= 200 ms]")
        cold = cold_cli_first_frame(paths["img512"], paths["speech"], tmp / "cold.mp4")
        print(f"first frame from a cold CLI start: {cold:.2f} s [<= 1.5 s]")
        short = end_to_end(paths["img512"], paths["s10"], tmp / "s10.mp4")
        print(f"peak RSS, 10 s speech: {short['rss_mb']:.0f} MB (encoder / recogniser processes: "
              f"{short['children_mb']:.0f} MB)")
        if not args.quick:
            long = end_to_end(paths["img512"], paths["long"], tmp / "long.mp4")
            print(f"peak RSS, {args.long_minutes:g} min speech: {long['rss_mb']:.0f} MB (encoder / recogniser "
                  f"processes: {long['children_mb']:.0f} MB); {long['rss_mb'] / short['rss_mb'] - 1:+.1%} "
                  f"against 10 s [within 10 %, < 400 MB]; {long['rtf']:.1f}x real time")


if __name__ == "__main__":
    main()
