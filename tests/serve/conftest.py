"""Fixtures: a ``thg serve`` process on 127.0.0.1 (a free port, its own data folder)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _serve import Server


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(*args: str, data: Path | None = None) -> Server:
        server = Server(data or tmp_path / "data", *args)
        servers.append(server)
        return server.start()

    yield start
    for s in servers:
        s.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server shared by a module's tests (limits small enough to test, no rate limit)."""
    s = Server(tmp_path_factory.mktemp("serve") / "data", "--rate-limit", "0", "--max-pixels", "1000000",
               "--max-audio-seconds", "8", "--max-text-chars", "200", "--max-upload-mb", "2").start()
    yield s
    s.kill()


@pytest.fixture(scope="module")
def faceless(tmp_path_factory):
    """Half a second of a plain grey picture: a real video with no face in it."""
    from thg.io.video import ffmpeg_exe

    path = tmp_path_factory.mktemp("faceless") / "grey.mp4"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=gray:s=160x120:d=0.5",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path
