// thg serve: what the Live and Call tabs share. JSON requests with one-line errors, and the offer/answer
// exchange of a WebRTC connection with the server.
"use strict";

window.thgRtc = (function () {
  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify(body || {}) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || `the server answered ${r.status}`);
    return data;
  }

  function gathered(conn) {
    return new Promise((ok) => {
      if (conn.iceGatheringState === "complete") return ok();
      conn.addEventListener("icegatheringstatechange", () => { if (conn.iceGatheringState === "complete") ok(); });
      setTimeout(ok, 3000);   // enough candidates by then on any network
    });
  }

  // Offer ``conn`` (its tracks and channels added) to ``path`` with the fields of ``body``; the
  // server's answer is set on it and returned (with what else the server said).
  async function connect(conn, path, body) {
    await conn.setLocalDescription(await conn.createOffer());
    await gathered(conn);
    const answer = await post(path, { sdp: conn.localDescription.sdp, type: conn.localDescription.type, ...body });
    await conn.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
    return answer;
  }

  return { post, connect };
})();
