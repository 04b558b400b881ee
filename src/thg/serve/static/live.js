// thg serve: the Live tab. A WebRTC connection that only receives (the portrait's video and voice);
// text goes to the session over the HTTP API.
"use strict";

window.thgLive = function () {
  const $ = (id) => document.getElementById(id);
  let pc = null;
  let session = null;

  function state(text) { $("live-state").textContent = text; }
  function liveError(message) { $("live-error").textContent = message; $("live-error").hidden = !message; }
  function connected(on) {
    $("live-start").disabled = on;
    for (const id of ["live-stop", "live-say", "live-interrupt"]) $(id).disabled = !on;
  }

  const post = window.thgRtc.post;

  async function portraitChoice() {
    const file = $("portrait").files[0];
    if (!file) return { example: document.querySelector("#gallery button[aria-pressed=true]")?.dataset.example || "astronaut" };
    const url = await new Promise((ok, bad) => {
      const reader = new FileReader();
      reader.onload = () => ok(reader.result);
      reader.onerror = () => bad(new Error("portrait: cannot read the chosen file"));
      reader.readAsDataURL(file);
    });
    return { portrait: url };
  }

  async function start() {
    liveError("");
    connected(true);
    $("live-start").disabled = true;
    state("preparing the portrait…");
    try {
      pc = new RTCPeerConnection();
      window.thgLivePc = pc;   // for programs driving the page (its stats)
      pc.addTransceiver("video", { direction: "recvonly" });
      if ($("live-mic").checked) {   // the portrait voices the microphone, mouth following its loudness
        const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
        pc.addTransceiver(mic.getAudioTracks()[0], { direction: "sendrecv" });
      } else {
        pc.addTransceiver("audio", { direction: "recvonly" });
      }
      const stream = new MediaStream();
      pc.addEventListener("track", (e) => { stream.addTrack(e.track); $("live-video").srcObject = stream; });
      pc.addEventListener("connectionstatechange", () => {
        state(pc ? pc.connectionState : "closed");
        if (pc && ["failed", "closed"].includes(pc.connectionState)) stop();
      });
      const options = {};
      for (const id of ["emotion", "expression_scale", "head_motion", "blink_rate", "seed", "size"]) {
        options[id] = Number.isNaN(Number($(id).value)) ? $(id).value : Number($(id).value);
      }
      const answer = await window.thgRtc.connect(pc, "/api/live", { lang: $("lang").value || "en", ...options,
                                                                    ...(await portraitChoice()) });
      session = answer.session;
      window.thgLiveSession = session;   // for programs driving the page
      state("connecting…");
    } catch (e) {
      liveError(e.message);
      stop();
    }
  }

  async function stop() {
    const [conn, id] = [pc, session];
    pc = session = null;
    connected(false);
    state("not connected");
    if (conn) {
      conn.getSenders().forEach((s) => s.track && s.track.stop());
      conn.close();
    }
    if (id) fetch(`/api/live/${id}`, { method: "DELETE" }).catch(() => {});
  }

  $("live-start").addEventListener("click", start);
  $("live-stop").addEventListener("click", stop);
  $("live-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("live-text").value;
    if (!session || !text.trim()) return;
    liveError("");
    try {
      await post(`/api/live/${session}/say`, { text, interrupt: !$("live-queue").checked });
      $("live-text").value = "";
    } catch (e) {
      liveError(e.message);
    }
  });
  $("live-interrupt").addEventListener("click", () => {
    if (session) post(`/api/live/${session}/interrupt`).catch((e) => liveError(e.message));
  });
  window.addEventListener("beforeunload", stop);
};
