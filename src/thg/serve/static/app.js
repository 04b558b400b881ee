// thg serve: the page. Plain JavaScript, no libraries, nothing fetched from outside this server.
"use strict";

const $ = (id) => document.getElementById(id);
let limits = null;
let example = "astronaut";    // the chosen bundled portrait, until a photo is uploaded
let recorded = null;          // a microphone recording (Blob)

// --- tabs --------------------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll("nav button[role=tab]").forEach((b) =>
    b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== `tab-${name}`; });
}
document.querySelectorAll("nav button[role=tab]").forEach((b) =>
  b.addEventListener("click", () => showTab(b.dataset.tab)));

// --- messages ----------------------------------------------------------------------------------
function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return body.detail || `the server answered ${response.status}`;
  } catch (e) {
    return `the server answered ${response.status}`;
  }
}

// --- inputs ------------------------------------------------------------------------------------
async function loadChoices() {
  limits = await (await fetch("/api/limits")).json();
  document.querySelector("nav button[data-tab=live]").hidden = !limits.live;
  document.querySelector("nav button[data-tab=call]").hidden = !limits.call;
  if (limits.call && window.thgCall) window.thgCall(showTab);
  const examples = await (await fetch("/api/examples")).json();
  for (const ex of examples) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.example = ex.name;
    b.title = ex.about;
    b.setAttribute("aria-pressed", String(ex.name === example));
    b.innerHTML = `<img src="${ex.image}" alt="${ex.name}">`;
    b.addEventListener("click", () => chooseExample(ex.name));
    $("gallery").appendChild(b);
    $("reenact-example").appendChild(option(ex.name, ex.name === example));
  }
  const langs = await (await fetch("/api/languages")).json();
  for (const select of document.querySelectorAll("select.langs")) {
    for (const code of langs) select.appendChild(option(code, code === "en"));
  }
  $("text").maxLength = $("dub-text").maxLength = limits.text_chars;
}

function option(value, selected) {
  const o = document.createElement("option");
  o.value = o.textContent = value;
  o.selected = selected;
  return o;
}

function chooseExample(name) {
  example = name;
  $("portrait").value = "";
  $("portrait-preview").hidden = true;
  document.querySelectorAll("#gallery button").forEach((b) =>
    b.setAttribute("aria-pressed", String(b.dataset.example === name)));
}

$("portrait").addEventListener("change", () => {
  const file = $("portrait").files[0];
  if (!file) return;
  example = null;
  document.querySelectorAll("#gallery button").forEach((b) => b.setAttribute("aria-pressed", "false"));
  $("portrait-preview").src = URL.createObjectURL(file);
  $("portrait-preview").hidden = false;
});

function driver() {
  return document.querySelector("input[name=driver]:checked").value;
}
document.querySelectorAll("input[name=driver]").forEach((r) => r.addEventListener("change", () => {
  document.querySelectorAll("[data-driver]").forEach((d) => { d.hidden = d.dataset.driver !== driver(); });
}));

document.querySelectorAll("input[type=range]").forEach((r) => {
  const out = r.nextElementSibling;
  const show = () => { out.textContent = r.value; };
  r.addEventListener("input", show);
  show();
});

// --- the microphone ----------------------------------------------------------------------------
let recorder = null;
$("record").addEventListener("click", async () => {
  if (recorder && recorder.state === "recording") {
    recorder.stop();
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      recorded = new Blob(chunks, { type: recorder.mimeType });
      $("recording").src = URL.createObjectURL(recorded);
      $("recording").hidden = false;
      $("record").textContent = "Record again";
      $("record-state").textContent = "recorded";
    };
    recorder.start();
    $("record").textContent = "Stop";
    $("record-state").textContent = "recording…";
  } catch (e) {
    showError(`microphone: ${e.message}; allow the microphone for this page, or upload an audio file`);
  }
});

// --- submitting and following a job --------------------------------------------------------------
function tooBig(file, what) {
  if (limits && file.size > limits.upload_mb * 1024 * 1024) {
    return `${what}: upload is ${(file.size / 1048576).toFixed(1)} MB, over the ${limits.upload_mb} MB limit; ` +
           "send a smaller file";
  }
  return null;
}

// Adds the file chosen in the input ``id`` to ``form`` as ``role``; throws ``missing`` (if given) when
// none is chosen. Returns whether a file was added.
function appendFile(form, role, id, missing = null) {
  const file = $(id).files[0];
  if (!file) {
    if (missing) throw new Error(missing);
    return false;
  }
  const problem = tooBig(file, role);
  if (problem) throw new Error(problem);
  form.append(role, file);
  return true;
}

function formData() {
  const form = new FormData();
  if (!appendFile(form, "portrait", "portrait")) form.append("example", example || "astronaut");
  const d = driver();
  if (d === "text") {
    form.append("text", $("text").value);
    form.append("lang", $("lang").value || "en");
  } else if (d === "audio") {
    appendFile(form, "audio", "audio", "audio: no file chosen; choose a recording, or type text instead");
    form.append("lang", $("lang").value || "en");
  } else {
    if (!recorded) throw new Error("microphone: nothing recorded yet; press Record, speak, then Stop");
    form.append("audio", recorded, "recording.webm");
  }
  for (const id of ["emotion", "expression_scale", "head_motion", "blink_rate", "seed", "size"]) {
    form.append(id, $(id).value);
  }
  return form;
}

function setProgress(job, prefix = "") {
  const ahead = job.queued_ahead ? ` (${job.queued_ahead} ahead in the queue)` : "";
  $(`${prefix}progress`).value = job.progress;
  $(`${prefix}progress-text`).textContent = `${job.stage}${ahead} ${Math.round(job.progress * 100)} %`;
}

async function follow(id, prefix = "") {
  for (;;) {
    const r = await fetch(`/api/jobs/${id}`);
    if (!r.ok) throw new Error(await errorOf(r));
    const job = await r.json();
    setProgress(job, prefix);
    if (job.state === "done") return job;
    if (job.state === "failed") throw new Error(job.error);
    await new Promise((ok) => setTimeout(ok, 400));
  }
}

async function showResult(job) {
  const video = $("video");
  video.src = job.downloads.video;
  $("dl-video").href = job.downloads.video;
  $("dl-motion").href = job.downloads.motion;
  $("dl-report").href = job.downloads.report;
  $("result").hidden = false;
  const report = await (await fetch(job.downloads.report)).json();
  const rows = [["frames", report.generation.frames], ["seconds of video", report.generation.duration_s],
                ["seconds to make", report.generation.seconds.total]];
  for (const [name, m] of Object.entries(report.metrics)) {
    rows.push([`${name} (${m.higher_is_better ? "higher" : "lower"} is better)`, m.value === null ? "n/a" : m.value]);
  }
  $("report").innerHTML = "";
  for (const [k, v] of rows) {
    const tr = $("report").insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  video.play().catch(() => {});   // a browser may wait for a click before playing sound
}

$("generate-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  $("result").hidden = true;
  $("generate").disabled = true;
  try {
    const form = formData();
    $("progress-box").hidden = false;
    setProgress({ stage: "uploading", progress: 0 });
    const r = await fetch("/api/jobs", { method: "POST", body: form });
    if (!r.ok) throw new Error(await errorOf(r));
    const job = await follow((await r.json()).id);
    await showResult(job);
  } catch (e) {
    showError(e.message);
  } finally {
    $("progress-box").hidden = true;
    $("generate").disabled = false;
  }
});

// --- the Evaluate tab ----------------------------------------------------------------------------
async function loadMetrics() {
  const metrics = await (await fetch("/api/metrics")).json();
  for (const m of metrics) {
    const label = document.createElement("label");
    label.title = m.about;
    label.innerHTML = `<input type="checkbox" value="${m.name}"> ${m.name} <small>(${m.needs.join(", ") || "video only"})</small>`;
    $("eval-metrics").appendChild(label);
  }
}

function plot(name, values, higherIsBetter) {
  const box = document.createElement("div");
  box.className = "plot";
  const c = document.createElement("canvas");
  c.width = 300; c.height = 120;
  box.append(`${name} per frame (${higherIsBetter ? "higher" : "lower"} is better)`, c);
  const g = c.getContext("2d");
  const ys = values.filter((v) => v !== null);
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  g.strokeStyle = "#2b6cb0";
  g.beginPath();
  values.forEach((v, i) => {
    if (v === null) return;
    const x = (i / Math.max(1, values.length - 1)) * (c.width - 10) + 5;
    const y = c.height - 5 - ((v - lo) / (hi - lo || 1)) * (c.height - 10);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#5b6270";
  g.fillText(hi.toPrecision(3), 4, 12);
  g.fillText(lo.toPrecision(3), 4, c.height - 4);
  return box;
}

async function showEvaluation(job) {
  $("eval-download").href = job.downloads.report;
  const report = await (await fetch(job.downloads.report)).json();
  $("eval-table").innerHTML = "<tr><th>metric</th><th>value</th><th>coverage</th><th>notes</th></tr>";
  $("eval-plots").innerHTML = "";
  for (const [name, m] of Object.entries(report.metrics)) {
    const tr = $("eval-table").insertRow();
    for (const v of [`${name} (${m.higher_is_better ? "↑" : "↓"})`, m.value === null ? "n/a" : m.value, m.coverage, m.notes.join("; ")]) {
      tr.insertCell().textContent = v;
    }
    if (m.per_frame && m.per_frame.filter((v) => v !== null).length > 1) {
      $("eval-plots").appendChild(plot(name, m.per_frame, m.higher_is_better));
    }
  }
  $("eval-result").hidden = false;
}

// A tab whose form (ids ``<prefix>form``, ``-run``, ``-error``, ``-result``, ``-progress-box``) submits
// one job to ``endpoint``: ``makeForm()`` builds its FormData (throwing on what is missing), ``show(job)``
// shows the finished job.
function jobTab(prefix, endpoint, makeForm, show) {
  $(`${prefix}form`).addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $(`${prefix}error`);
    error.hidden = true;
    $(`${prefix}result`).hidden = true;
    $(`${prefix}run`).disabled = true;
    try {
      const form = makeForm();
      $(`${prefix}progress-box`).hidden = false;
      setProgress({ stage: "uploading", progress: 0 }, prefix);
      const r = await fetch(endpoint, { method: "POST", body: form });
      if (!r.ok) throw new Error(await errorOf(r));
      await show(await follow((await r.json()).id, prefix));
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      $(`${prefix}progress-box`).hidden = true;
      $(`${prefix}run`).disabled = false;
    }
  });
}

jobTab("eval-", "/api/evaluations", () => {
  const form = new FormData();
  appendFile(form, "pred", "eval-pred", "pred: no video chosen; choose the generated video to evaluate");
  for (const role of ["ref", "audio", "source"]) appendFile(form, role, `eval-${role}`);
  const chosen = [...document.querySelectorAll("#eval-metrics input:checked")].map((i) => i.value);
  form.append("metrics", [...($("eval-suite").checked ? ["suite"] : []), ...chosen].join(","));
  return form;
}, showEvaluation);

// --- the Dub and Reenact tabs: a video to watch and download ---------------------------------------
function showVideo(prefix, describe) {
  return (job) => {
    const player = $(`${prefix}player`);
    player.src = job.downloads.video;
    $(`${prefix}dl-video`).href = job.downloads.video;
    $(`${prefix}dl-motion`).href = job.downloads.motion;
    $(`${prefix}summary`).textContent = describe(job.result);
    $(`${prefix}result`).hidden = false;
    player.play().catch(() => {});   // a browser may wait for a click before playing sound
  };
}

jobTab("dub-", "/api/dubs", () => {
  const form = new FormData();
  appendFile(form, "video", "dub-video", "video: no clip chosen; choose the video to dub");
  if (!appendFile(form, "audio", "dub-audio")) form.append("text", $("dub-text").value);
  form.append("lang", $("dub-lang").value || "en");
  form.append("fit", $("dub-fit").value);
  form.append("expression_scale", $("dub-expression_scale").value);
  return form;
}, showVideo("dub-", (r) => `${r.frames} frames, ${r.size[0]}×${r.size[1]}, ${r.duration_s} s; ${r.summary}`));

jobTab("reenact-", "/api/reenactments", () => {
  const form = new FormData();
  appendFile(form, "driving", "reenact-driving", "driving: no video chosen; choose a video of a face performing");
  if (!appendFile(form, "portrait", "reenact-portrait")) form.append("example", $("reenact-example").value || "astronaut");
  const regions = [...document.querySelectorAll("#reenact-regions input:checked")].map((i) => i.value);
  if (!regions.length) throw new Error("regions: none chosen; tick at least one of head pose, mouth, eyes, brows");
  form.append("regions", regions.join(","));
  form.append("mode", $("reenact-mode").value);
  form.append("size", $("reenact-size").value);
  return form;
}, showVideo("reenact-", (r) => `${r.frames} frames, ${r.duration_s} s` +
  (r.frames_without_face ? `; no face in ${r.frames_without_face} driving frames (their motion is interpolated)` : "")));

loadMetrics().catch(() => {});
loadChoices().catch((e) => showError(`cannot reach the server (${e.message}); is thg serve running?`));
if (window.thgLive) window.thgLive();
