"""The HTTP side of ``thg serve``: the JSON API, its OpenAPI docs and the page, on one FastAPI app.

Everything the page needs is served from this package (no CDN, no fonts, no analytics), and so are
the docs' Swagger UI files (the ``fastapi-offline`` package). Clients name jobs by their id and
examples by their name; no request ever names a path on the server.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from thg import __version__
from thg.dub.fit import DEFAULT_FIT, FITS
from thg.errors import InputError, ThgError
from thg.serve.examples import EXAMPLES, example_jpeg
from thg.serve.jobs import DubOptions, EvalOptions, JobOptions, JobStore, ReenactOptions
from thg.serve.limits import Limits, check_audio, check_image, check_text, check_video
from thg.serve.ratelimit import RateLimiter, RateLimitError

STATIC = Path(__file__).parent / "static"
_SUFFIX = {"video": ".mp4", "motion": ".motion.json", "report": ".report.json"}


class NotFound(InputError):
    """An id or name the server does not know."""


class NotReady(InputError):
    """A result asked for before its job is done."""


class Busy(InputError):
    """Every slot (of live sessions) is taken."""


_STATUS = {RateLimitError: 429, NotFound: 404, NotReady: 409, Busy: 503}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


async def _checked_uploads(uploads: dict, limits: Limits) -> dict[str, tuple[bytes, str]]:
    """role -> (content, suffix) of the uploads given, each read up to the size limit and checked by
    content; ``uploads`` maps a role to (the upload or None, its check)."""
    files = {}
    for role, (upload, check) in uploads.items():
        if upload is None or not upload.filename:
            continue
        data = await upload.read(limits.upload_bytes + 1)   # never more than the limit into memory
        if len(data) > limits.upload_bytes:
            raise InputError(f"{role}: upload is over the {limits.upload_mb:g} MB limit; send a smaller file "
                             f"(the server's --max-upload-mb sets the limit)")
        files[role] = (data, await run_in_threadpool(check, data, role, limits))
    return files


def _example(files: dict, example: str | None) -> str | None:
    """The bundled portrait a job names, None where a photo is uploaded; raises if neither is given."""
    if "portrait" in files:
        return None
    if example not in EXAMPLES:
        raise InputError(f"portrait: none given; upload a photo or pick an example ({', '.join(EXAMPLES)})"
                         if not example else f"example {example!r} is not known; choose one of {', '.join(EXAMPLES)}")
    return example


def _text_unless_audio(files: dict, text: str | None, limits: Limits) -> str | None:
    """The text to speak, checked, unless speech is uploaded (which then wins)."""
    return None if "audio" in files else check_text(text or "", limits)


def client_address(request: Request) -> str:
    """Whom a rate limit counts: the connecting address (a proxy in front should pass its own limits)."""
    return request.client.host if request.client else "unknown"


def create_app(data_dir: str | Path, limits: Limits | None = None, runner=None, live=None, call=None) -> FastAPI:
    """The app; ``runner`` does a job's work (default: :func:`thg.serve.generate.run_any`); ``live(app, limits)``
    and ``call(app, limits)``, if given, mount the live sessions and the calls."""
    from fastapi_offline import FastAPIOffline

    limits = limits or Limits()
    store = JobStore(Path(data_dir))
    submissions = RateLimiter(limits.jobs_per_minute, "jobs")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from thg.serve.generate import run_any

        store.start(runner or run_any)
        yield
        store.stop(timeout=0)

    app = FastAPIOffline(title="thg serve", version=__version__, lifespan=lifespan,
                         description="Talking heads from one portrait: submit a job (a generation, a dub of "
                                     "a clip, a reenactment or an evaluation), poll it, fetch the video, its motion "
                                     "file and its evaluation report.")
    app.state.store, app.state.limits = store, limits

    @app.exception_handler(ThgError)
    async def thg_error(request: Request, exc: ThgError):
        return _error(next((s for t, s in _STATUS.items() if isinstance(exc, t)), 400), str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return _error(422, f"{where}: {first.get('msg', 'invalid value')}")

    @app.middleware("http")
    async def cap_body(request: Request, call_next):
        size = request.headers.get("content-length")
        if size and size.isdigit() and int(size) > 2 * limits.upload_bytes + 65536:
            async for _ in request.stream():   # read and drop it, so the client gets the answer, not a reset
                pass
            return _error(413, f"request is {int(size) / 2**20:.1f} MB, over the {limits.upload_mb:g} MB upload "
                               f"limit; send smaller files (the server's --max-upload-mb sets the limit)")
        return await call_next(request)

    # --- jobs -----------------------------------------------------------------------------------
    @app.post("/api/jobs", status_code=202, summary="Submit a generation job", tags=["jobs"])
    async def submit_job(
        request: Request,
        portrait: Annotated[UploadFile | None, File(description="Portrait photo (JPEG, PNG, WebP, BMP)")] = None,
        example: Annotated[str | None, Form(description=f"Or a bundled portrait: {', '.join(EXAMPLES)}")] = None,
        text: Annotated[str | None, Form(description="Text to speak")] = None,
        lang: Annotated[str, Form(description="Language of the text or audio (espeak-ng code)")] = "en",
        audio: Annotated[UploadFile | None, File(description="Or speech (WAV, MP3, FLAC, OGG, WebM, M4A)")] = None,
        emotion: Annotated[str, Form()] = "neutral",
        expression_scale: Annotated[float, Form(ge=0, le=3)] = 1.0,
        head_motion: Annotated[float, Form(ge=0, le=3)] = 1.0,
        blink_rate: Annotated[float, Form(ge=0, le=60, description="Blinks per minute")] = 17.0,
        seed: Annotated[int, Form()] = 0,
        size: Annotated[int, Form(ge=128, le=1280, description="Long side of the video in pixels")] = 512,
    ) -> dict:
        """Returns the job's status with its ``id``; poll ``GET /api/jobs/{id}`` until ``state`` is
        ``done`` (then fetch the downloads) or ``failed`` (then ``error`` says why)."""
        submissions.take(client_address(request))
        files = await _checked_uploads({"portrait": (portrait, check_image), "audio": (audio, check_audio)}, limits)
        options = JobOptions(text=_text_unless_audio(files, text, limits), lang=lang, example=_example(files, example),
                             emotion=emotion, expression_scale=expression_scale, head_motion=head_motion,
                             blink_rate=blink_rate, seed=seed, size=size)
        return accepted(options, files)

    @app.post("/api/dubs", status_code=202, summary="Submit a dub: a clip's lips following new speech", tags=["jobs"])
    async def submit_dub(
        request: Request,
        video: Annotated[UploadFile | None, File(description="The clip to dub (MP4, MOV, MKV/WebM, AVI)")] = None,
        text: Annotated[str | None, Form(description="The new line, spoken by espeak-ng")] = None,
        lang: Annotated[str, Form(description="Language of the text or audio (espeak-ng code)")] = "en",
        audio: Annotated[UploadFile | None, File(description="Or the new speech (WAV, MP3, FLAC, OGG, WebM, M4A)")] = None,
        fit: Annotated[str, Form(description="Speech and clip of different lengths: " + ", ".join(FITS))] = DEFAULT_FIT,
        expression_scale: Annotated[float, Form(ge=0, le=3, description="Strength of the new mouth motion")] = 1.0,
    ) -> dict:
        """Only the lower face is re-rendered; the clip keeps its size and frame rate and carries the new
        speech. Poll ``GET /api/jobs/{id}``, then fetch its ``video`` and ``motion`` (the mouth motion used)."""
        submissions.take(client_address(request))
        options = DubOptions(text=text, lang=lang, fit=fit, expression_scale=expression_scale)
        files = await _checked_uploads({"video": (video, check_video), "audio": (audio, check_audio)}, limits)
        if "video" not in files:
            raise InputError("video: none given; upload the clip to dub (MP4, MOV, MKV/WebM or AVI)")
        return accepted(replace(options, text=_text_unless_audio(files, text, limits)), files)

    @app.post("/api/reenactments", status_code=202, summary="Submit a reenactment of a portrait by a driving video",
              tags=["jobs"])
    async def submit_reenactment(
        request: Request,
        driving: Annotated[UploadFile | None, File(description="Video of the performance to transfer")] = None,
        portrait: Annotated[UploadFile | None, File(description="Portrait photo (JPEG, PNG, WebP, BMP)")] = None,
        example: Annotated[str | None, Form(description=f"Or a bundled portrait: {', '.join(EXAMPLES)}")] = None,
        mode: Annotated[str, Form(description="relative: the driver's changes from its first frame; "
                                              "absolute: the driver's own proportions")] = "relative",
        regions: Annotated[str, Form(description="Regions to transfer: pose, mouth, eyes, brows (or all)")] = "all",
        size: Annotated[int, Form(ge=128, le=1280, description="Long side of the video in pixels")] = 512,
    ) -> dict:
        """The portrait moves as the face in the driving video does, with its sound. Poll
        ``GET /api/jobs/{id}``, then fetch its ``video`` and ``motion`` (the portrait's motion)."""
        submissions.take(client_address(request))
        options = ReenactOptions(mode=mode, regions=regions, size=size)
        files = await _checked_uploads({"driving": (driving, check_video), "portrait": (portrait, check_image)}, limits)
        if "driving" not in files:
            raise InputError("driving: none given; upload a video of a face performing (MP4, MOV, MKV/WebM or AVI)")
        return accepted(replace(options, example=_example(files, example)), files)

    @app.post("/api/evaluations", status_code=202, summary="Submit an evaluation of a video", tags=["jobs"])
    async def submit_evaluation(
        request: Request,
        pred: Annotated[UploadFile, File(description="The generated video to evaluate")],
        ref: Annotated[UploadFile | None, File(description="Its reference (ground-truth) video")] = None,
        audio: Annotated[UploadFile | None, File(description="The driving speech (default: the video's own)")] = None,
        source: Annotated[UploadFile | None, File(description="The source portrait")] = None,
        metrics: Annotated[str, Form(description="Metric names, comma-separated, or 'suite'")] = "suite",
    ) -> dict:
        """Returns the job's status with its ``id``; poll ``GET /api/jobs/{id}``, then fetch its ``report``
        (each metric's value, direction, coverage, notes and per-frame values)."""
        submissions.take(client_address(request))
        options = EvalOptions(metrics=metrics)
        files = await _checked_uploads({"pred": (pred, check_video), "ref": (ref, check_video),
                                        "audio": (audio, check_audio), "source": (source, check_image)}, limits)
        if "pred" not in files:
            raise InputError("pred: no video given; upload the generated video to evaluate")
        return accepted(options, files)

    def accepted(options, files: dict) -> dict:
        job = store.submit(options, files)
        return job.status() | {"queued_ahead": store.queued_ahead(job)}

    @app.get("/api/metrics", summary="The metrics an evaluation can run", tags=["page"])
    def list_metrics() -> list[dict]:
        from thg.eval.registry import list_metrics as infos, suite_names

        suite = set(suite_names())
        return [{"name": i.name, "family": i.family, "higher_is_better": i.higher_is_better, "needs": sorted(i.needs),
                 "in_suite": i.name in suite, "about": i.description} for i in infos()]

    def job_or_404(job_id: str):
        job = store.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} is not known to this server; submit it again")
        return job

    @app.get("/api/jobs/{job_id}", summary="Status and progress of a job", tags=["jobs"])
    async def job_status(job_id: str) -> dict:
        job = job_or_404(job_id)
        return job.status() | {"queued_ahead": store.queued_ahead(job) if job.state == "queued" else 0}

    @app.get("/api/jobs/{job_id}/{what}", summary="A finished job's video, motion file or report", tags=["jobs"],
             response_class=FileResponse)
    async def job_result(job_id: str, what: Literal["video", "motion", "report"]):
        job = job_or_404(job_id)
        if what not in job.outputs:
            raise NotFound(f"job {job_id} is a {job.kind} job; it offers {' and '.join(job.outputs)}, not a {what}")
        if job.state != "done":
            raise NotReady(f"job {job_id} is {job.state}" + (f" ({job.error})" if job.error else "") +
                           "; fetch its results once its state is done")
        media = "video/mp4" if what == "video" else "application/json"
        return FileResponse(job.output_path(what), media_type=media, filename=f"thg-{job_id[:8]}{_SUFFIX[what]}")

    # --- what the page needs --------------------------------------------------------------------
    @app.get("/api/examples", summary="The bundled example portraits", tags=["page"])
    async def examples() -> list[dict]:
        return [{"name": n, "about": about, "image": f"/api/examples/{n}.jpg"} for n, about in EXAMPLES.items()]

    @app.get("/api/examples/{name}.jpg", tags=["page"], response_class=Response)
    def example_image(name: str):   # a plain def: FastAPI runs it off the event loop
        if name not in EXAMPLES:
            raise NotFound(f"example {name!r} is not known; choose one of {', '.join(EXAMPLES)}")
        return Response(example_jpeg(name), media_type="image/jpeg")

    @app.get("/api/limits", summary="What this server accepts", tags=["page"])
    async def get_limits() -> dict:
        from dataclasses import asdict

        return asdict(limits) | {"live": live is not None, "call": call is not None}

    @app.get("/api/languages", summary="Language codes the speech synthesiser knows", tags=["page"])
    def languages() -> list[str]:
        from thg.features.speech import espeak_voices

        return ["en"] + sorted(set(espeak_voices()) - {"en"})

    @app.get("/api/health", tags=["page"])
    async def health() -> dict:
        return {"ok": True, "version": __version__}

    for mount in (live, call):
        if mount is not None:
            mount(app, limits)

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
