// thg serve: the Call tab. The sender's camera goes to the server, which tracks it into the .thm motion
// stream; a watcher receives that stream on a data channel, counts its bytes, and forwards every message
// unchanged on a second channel to thg's decoder, whose rendered frames come back as the video shown.
"use strict";

window.thgCall = function (showTab) {
  const $ = (id) => document.getElementById(id);
  const WINDOW_MS = 5000;     // the bitrate is measured over the last 5 s
  let sender = null;          // { pc, call, camera, timer }
  let watcher = null;         // { pc, call, id, timer }

  function callError(message) { $("call-error").textContent = message; $("call-error").hidden = !message; }

  async function counters(path) {
    const r = await fetch(path);
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || `the server answered ${r.status}`);
    return data;
  }

  // Poll the counters at ``path`` each second: ``show(them)`` while it answers, ``gone(message)`` once not.
  function follow(path, show, gone) {
    const timer = setInterval(() => counters(path).then(show, (e) => { clearInterval(timer); gone(e.message); }), 1000);
    return timer;
  }

  // --- sending -----------------------------------------------------------------------------------
  async function send() {
    callError("");
    $("call-send").disabled = true;
    $("call-state").textContent = "starting the camera…";
    try {
      const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: $("call-mic").checked });
      $("call-camera").srcObject = new MediaStream(camera.getVideoTracks());
      const pc = new RTCPeerConnection();
      for (const track of camera.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
      sender = { pc, camera, call: null, timer: null };
      pc.addEventListener("connectionstatechange", () => {
        if (["failed", "closed"].includes(pc.connectionState)) hangUp();
      });
      const answer = await window.thgRtc.connect(pc, "/api/call", {});
      sender.call = answer.call;
      const url = new URL(answer.watch, location.href).href;
      $("call-number").textContent = answer.call;
      $("call-url").href = $("call-url").textContent = url;
      $("call-link").hidden = false;
      $("call-hang-up").disabled = false;
      $("call-state").textContent = "connecting…";
      sender.timer = follow(`/api/call/${answer.call}`, showSending, (message) => { hangUp(); callError(message); });
    } catch (e) {
      callError(e.message);
      hangUp();
    }
  }

  function showSending(s) {
    const watching = s.watchers.length;
    $("call-state").textContent = !s.face
      ? `no face found yet in ${s.frames_tracked} frames; face the camera, in good light`
      : `sending: ${s.records} frames of motion (${s.frames_without_face} without a face), ${watching} watching`;
  }

  function hangUp() {
    const s = sender;
    sender = null;
    $("call-send").disabled = false;
    $("call-hang-up").disabled = true;
    $("call-link").hidden = true;
    $("call-state").textContent = "not sending";
    if (!s) return;
    clearInterval(s.timer);
    s.camera.getTracks().forEach((t) => t.stop());
    s.pc.close();
    if (s.call) fetch(`/api/call/${s.call}`, { method: "DELETE" }).catch(() => {});
  }

  // --- watching ----------------------------------------------------------------------------------
  // The .thm header's length from its first bytes (null until enough of it has arrived): the fixed
  // fields, 6 bytes a channel, the face points (6 bytes each), the key frame image and a CRC-32.
  function headerLength(bytes) {
    if (bytes.length < 20) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const points = 20 + bytes[18] * 6;
    if (bytes.length < points + 2) return null;
    const image = points + 2 + view.getUint16(points, true) * 6;
    if (bytes.length < image + 8) return null;
    return image + 8 + view.getUint32(image + 4, true) + 4;
  }

  // Counts what arrives on the motion channel: the header once, then the records, one a message (their
  // bytes and arrival times, for the bitrate over the last WINDOW_MS). The header's byte 5 says whether
  // they carry speech.
  function byteCounter() {
    let head = new Uint8Array(0);
    let headerBytes = null;
    let received = 0;
    const motion = [];          // [arrival ms, bytes] of the records
    return {
      add(data) {
        const bytes = new Uint8Array(data);
        if (headerBytes === null) {
          head = Uint8Array.from([...head, ...bytes.subarray(0, 4096)]);
          headerBytes = headerLength(head);
        }
        const inHeader = headerBytes === null ? bytes.length : Math.max(0, Math.min(bytes.length, headerBytes - received));
        received += bytes.length;
        if (bytes.length > inHeader) motion.push([performance.now(), bytes.length - inHeader]);
      },
      show() {
        const now = performance.now();
        const recent = motion.filter(([t]) => t > now - WINDOW_MS);
        const span = motion.length ? Math.min(WINDOW_MS, now - motion[0][0]) : 0;
        const total = motion.reduce((sum, [, n]) => sum + n, 0);
        const kbps = span > 1000 ? (recent.reduce((sum, [, n]) => sum + n, 0) * 8 / span).toFixed(2) : "–";
        $("call-kbps").textContent = kbps;
        $("call-motion-bytes").textContent = String(total);
        $("call-records").textContent = String(motion.length);
        $("call-what").textContent = head.length > 5 && head[5] & 1 ? "motion and speech" : "motion";
        $("call-key-bytes").textContent = headerBytes === null || received < headerBytes ? "–" : String(headerBytes);
      },
    };
  }

  async function watch() {
    callError("");
    const id = $("call-id").value.trim();
    if (!id) return callError("call id: none given; paste the sender's call id, or open the link the sender shows");
    $("call-watch").disabled = true;
    $("call-watch-state").textContent = "connecting…";
    try {
      const pc = new RTCPeerConnection();
      window.thgCallPc = pc;   // for programs driving the page (its stats)
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.addTransceiver("audio", { direction: "recvonly" });   // the sender's speech, if it sends any
      const motion = pc.createDataChannel("thm");
      const decode = pc.createDataChannel("decode");
      motion.binaryType = "arraybuffer";
      const counter = byteCounter();
      const waiting = [];      // what arrived before the decoder's channel opened
      decode.addEventListener("open", () => waiting.splice(0).forEach((m) => decode.send(m)));
      motion.addEventListener("message", (e) => {
        counter.add(e.data);
        if (decode.readyState === "open") decode.send(e.data); else waiting.push(e.data);
      });
      pc.addEventListener("track", (e) => {
        const element = $(e.track.kind === "video" ? "call-video" : "call-audio");
        element.srcObject = new MediaStream([e.track]);
        // a watch link opened without a click may not play sound until there is one
        element.play().catch(() => document.addEventListener("click", () => element.play(), { once: true }));
      });
      pc.addEventListener("connectionstatechange", () => {
        if (["failed", "closed"].includes(pc.connectionState)) leave();
      });
      watcher = { pc, call: id, id: null, timer: null, shown: setInterval(() => counter.show(), 500) };
      const answer = await window.thgRtc.connect(pc, `/api/call/${encodeURIComponent(id)}/watch`, {});
      watcher.id = answer.watcher;
      $("call-leave").disabled = false;
      watcher.timer = follow(`/api/call/${encodeURIComponent(id)}/watch/${answer.watcher}`, showWatching,
                             (message) => { leave(); callError(message); });
    } catch (e) {
      callError(e.message);
      leave();
    }
  }

  function showWatching(s) {
    if (s.error) callError(`the decoder stopped: ${s.error}`);
    $("call-watch-state").textContent = !s.face ? "connected; no face found yet in the sender's camera"
      : `watching: ${s.rendered} frames rendered from what this page forwarded`;
  }

  function leave() {
    const w = watcher;
    watcher = null;
    $("call-watch").disabled = false;
    $("call-leave").disabled = true;
    $("call-watch-state").textContent = "not watching";
    if (!w) return;
    clearInterval(w.timer);
    clearInterval(w.shown);
    w.pc.close();
    if (w.id) fetch(`/api/call/${w.call}/watch/${w.id}`, { method: "DELETE" }).catch(() => {});
  }

  $("call-send").addEventListener("click", send);
  $("call-hang-up").addEventListener("click", hangUp);
  $("call-watch").addEventListener("click", watch);
  $("call-leave").addEventListener("click", leave);
  window.addEventListener("beforeunload", () => { hangUp(); leave(); });

  const wanted = new URLSearchParams(location.search).get("call");   // a watch link: /?call=ID
  if (wanted) {
    showTab("call");
    $("call-id").value = wanted;
    watch();
  }
};
