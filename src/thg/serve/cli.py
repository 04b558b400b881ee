"""``thg serve``: the web app, its API and live sessions in one command."""

from __future__ import annotations

import functools
from pathlib import Path

import click


def _check_address(host: str, port: int) -> None:
    """Fail with one line, before anything starts, when the address cannot be served."""
    import socket

    from thg.errors import InputError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        raise InputError(f"--host {host} --port {port}: cannot listen there ({e.strerror or e}); "
                         f"choose another port, or stop what uses it") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default serves this computer only; 0.0.0.0 exposes the server "
                   "to the network (put it behind a TLS proxy: browsers allow the microphone only on https "
                   "or localhost).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--data", "data_dir", default="thg-serve-data", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the job queue: uploads, results and job records (a restarted server picks up "
                   "every job it finds there).")
@click.option("--max-upload-mb", default=20.0, show_default=True, help="Largest accepted upload, per file.")
@click.option("--max-pixels", default=16_000_000, show_default=True, help="Largest accepted portrait (width × height).")
@click.option("--max-audio-seconds", default=60.0, show_default=True, help="Longest accepted speech upload.")
@click.option("--max-text-chars", default=1000, show_default=True, help="Longest accepted text.")
@click.option("--max-video-seconds", default=120.0, show_default=True, help="Longest accepted video (to evaluate, dub or drive a reenactment).")
@click.option("--rate-limit", default=10, show_default=True,
              help="Jobs a client address may submit per minute (0 = no limit).")
@click.option("--max-live-sessions", default=2, show_default=True, type=click.IntRange(0),
              help="Live sessions at once (each renders on its own; 0 = no Live tab). Utterances are limited "
                   "to six times --rate-limit per client and minute.")
@click.option("--max-calls", default=1, show_default=True, type=click.IntRange(0),
              help="Calls at once (a camera tracked into the .thm motion stream, each watched by up to two pages "
                   "whose picture the server decodes; 0 = no Call tab). Calls and watchers opened count "
                   "against --rate-limit.")
def serve(host, port, data_dir, max_upload_mb, max_pixels, max_audio_seconds, max_text_chars, max_video_seconds,
          rate_limit, max_live_sessions, max_calls):
    """Serve the Generate page, the HTTP API (docs at /docs) and live sessions, all offline.

    Open http://HOST:PORT/ in a browser. Jobs are kept in --data, so none is lost when the server stops.
    """
    import uvicorn

    from thg.serve.app import create_app
    from thg.serve.limits import Limits

    limits = Limits(upload_mb=max_upload_mb, pixels=max_pixels, audio_seconds=max_audio_seconds,
                    text_chars=max_text_chars, video_seconds=max_video_seconds, jobs_per_minute=rate_limit)
    live = None
    if max_live_sessions:
        from thg.serve.live import mount_live

        live = functools.partial(mount_live, max_sessions=max_live_sessions)
    call = None
    if max_calls:
        from thg.serve.call import mount_call

        call = functools.partial(mount_call, max_calls=max_calls)
    _check_address(host, port)
    app = create_app(Path(data_dir), limits, live=live, call=call)
    click.echo(f"thg serve: http://{host}:{port}/ (API docs at /docs; Ctrl-C stops, queued jobs are kept)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
