"""WebRTC plumbing shared by the live sessions and the calls: answering a browser's offer, ending a
peer that fails, closes or never connects, and a received audio frame's samples."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

import numpy as np
from pydantic import BaseModel, Field

from thg.errors import InputError

CONNECT_TIMEOUT = 30.0           # s a peer waits for its browser to connect


class SdpOffer(BaseModel):
    sdp: str = Field(description="The browser's SDP offer")
    type: str = "offer"


async def answer(pc, sdp: str, kind: str, tracks: Iterable = (), *, expected: str) -> dict:
    """Answer the browser's offer on ``pc``, sending ``tracks``; the answer as JSON fields. An offer that
    cannot be answered raises a one-line InputError that says what was ``expected`` of it."""
    from aiortc import RTCSessionDescription

    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        for track in tracks:
            pc.addTrack(track)
        await pc.setLocalDescription(await pc.createAnswer())
    except ValueError as e:
        raise InputError(f"sdp: the offer cannot be answered ({e}); {expected}") from None
    return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type}


def end_with_connection(pc, end: Callable[[], Awaitable[None]], timeout: float = CONNECT_TIMEOUT) -> asyncio.Task:
    """Run ``end()`` when ``pc`` fails or closes, or has not connected within ``timeout`` seconds (a
    browser that went away before connecting frees its slot); the watchdog task, to cancel or keep."""

    @pc.on("connectionstatechange")
    async def on_state() -> None:
        if pc.connectionState in ("failed", "closed"):
            await end()

    async def unless_connected() -> None:
        await asyncio.sleep(timeout)
        if pc.connectionState != "connected":
            await end()

    return asyncio.create_task(unless_connected())


def mono(frame) -> np.ndarray:
    """A received audio frame's samples, its channels averaged (float32, on the int16 scale)."""
    return frame.to_ndarray().reshape(-1, len(frame.layout.channels)).mean(axis=1).astype(np.float32)
