// ConVIRT case retrieval page: plain JS, no build step. Every /api call carries the key (if one is set) as a header;
// images are fetched the same way and shown through blob: URLs.
"use strict";
const $ = id => document.getElementById(id);
let key = sessionStorage.getItem("convirt-key") || "";
let lastText = "";
const blobs = [];

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

async function api(path, init) {
  const response = await fetch(path, Object.assign({}, init, { headers: headers(init && init.headers) }));
  if (response.status === 401) { $("key-form").hidden = false; throw new Error("this service needs an API key"); }
  if (!response.ok) {
    let message = "HTTP " + response.status;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function imageUrl(path) {
  const blob = await (await api(path)).blob();
  const url = URL.createObjectURL(blob);
  blobs.push(url);
  return url;
}

function clearResults() {
  while (blobs.length) URL.revokeObjectURL(blobs.pop());
  $("results").replaceChildren();
}

function labelText(labels) {
  // binary labels: only the findings present; other labels with their value
  return Object.entries(labels || {}).filter(([, v]) => v !== null && v !== "" && v !== "0" && v !== "false")
    .map(([k, v]) => (v === "1" || v === "true") ? k : k + ": " + v).join(", ");
}

async function show(answer, what) {
  clearResults();
  status(answer.count + " results for " + what + " (" + answer.milliseconds + " ms)");
  for (const hit of answer.results) {
    const card = document.createElement("figure");
    card.className = "card";
    card.dataset.id = hit.id;
    const img = document.createElement("img");
    img.alt = hit.id;
    const score = document.createElement("div");
    score.className = "score";
    score.textContent = hit.score.toFixed(3);
    const id = document.createElement("div");
    id.className = "id";
    id.textContent = hit.id + (hit.split ? " · " + hit.split : "");
    const labels = document.createElement("div");
    labels.className = "labels";
    labels.textContent = labelText(hit.labels);
    card.append(img, score, id, labels);
    card.addEventListener("click", () => ground(hit.id, card));
    $("results").append(card);
    imageUrl("/api/images/" + encodeURIComponent(hit.id)).then(url => { img.src = url; }).catch(e => status(e.message, true));
  }
}

function filter() {
  const split = $("split").value;
  return split ? { split } : null;
}

async function searchText(event) {
  event.preventDefault();
  const text = $("query").value.trim();
  if (!text) { status("type a description first", true); return; }
  lastText = text;
  try {
    const body = { text, k: parseInt($("k").value, 10) || 20 };
    const f = filter();
    if (f) body.filter = f;
    const answer = await (await api("/api/search/text", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })).json();
    await show(answer, "“" + text + "”");
  } catch (e) { status(e.message, true); }
}

async function searchImage() {
  const file = $("upload").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("image", file, file.name);
  form.append("k", String(parseInt($("k").value, 10) || 20));
  const f = filter();
  if (f) form.append("filter", JSON.stringify(f));
  try {
    status("searching with " + file.name + "…");
    const answer = await (await api("/api/search/image", { method: "POST", body: form })).json();
    await show(answer, "the image " + file.name);
  } catch (e) { status(e.message, true); }
}

async function ground(id, card) {
  document.querySelectorAll(".card.selected").forEach(c => c.classList.remove("selected"));
  card.classList.add("selected");
  const text = $("query").value.trim() || lastText;
  if (!text) { status("type a phrase in the search box to see where it matches", true); return; }
  try {
    $("ground-image").src = await imageUrl("/api/ground?id=" + encodeURIComponent(id) + "&text=" + encodeURIComponent(text));
    $("ground-caption").textContent = "“" + text + "” on " + id;
    $("ground").hidden = false;
  } catch (e) { status(e.message, true); }
}

async function loadInfo() {
  try {
    const info = await (await api("/api/info")).json();
    $("info").textContent = info.images + " images · encoder " + info.encoder + " (" + info.architecture + ", " + info.features + ", " + info.image_size + " px)" + (info.text_search ? "" : " · no text tower: search by image");
    $("k").max = info.max_k;
    const split = $("split");
    for (const s of info.splits) { const o = document.createElement("option"); o.value = s; o.textContent = s; split.append(o); }
    $("key-form").hidden = true;
  } catch (e) { $("info").textContent = e.message; }
}

document.addEventListener("DOMContentLoaded", () => {
  $("text-form").addEventListener("submit", searchText);
  $("upload").addEventListener("change", searchImage);
  $("key-form").addEventListener("submit", event => {
    event.preventDefault();
    key = $("key").value.trim();
    sessionStorage.setItem("convirt-key", key);
    loadInfo();
  });
  loadInfo();
});
