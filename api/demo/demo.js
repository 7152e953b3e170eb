// The demo page at /: a form over POST /v1/segment and /v1/tag, no framework, no external file.
// /?text=...&model=...&standard=...&pos=1&chars=1&word=... segments on load (a shareable link).
"use strict";

const $ = (id) => document.getElementById(id);

// PKU tags by family, for the colours (an unknown tag: its longest known prefix, as the spaCy door reads it).
const FAMILY = {
  n: "noun", ng: "noun", Ng: "noun", na: "noun", an: "noun", vn: "noun", vvn: "noun", j: "noun", q: "noun",
  nr: "propn", ns: "propn", nt: "propn", nz: "propn", nx: "foreign",
  v: "verb", vd: "verb", Vg: "verb",
  a: "adj", Ag: "adj", b: "adj", Bg: "adj", z: "adj",
  d: "adv", ad: "adv", Dg: "adv",
  m: "num", Mg: "num",
  r: "pron", Rg: "pron",
  t: "time", Tg: "time", s: "time", f: "time",
  p: "func", c: "func", u: "func", y: "func", Yg: "func", k: "func", h: "func", e: "func", o: "func",
  w: "punct", i: "idiom", l: "idiom",
};
const FAMILY_NAMES = {
  noun: "noun", propn: "proper noun", verb: "verb", adj: "adjective", adv: "adverb", num: "number, measure",
  pron: "pronoun", time: "time, place, direction", func: "function word", punct: "punctuation",
  idiom: "idiom", foreign: "Latin, foreign", other: "other",
};

function family(tag) {
  for (let n = tag.length; n > 0; n--) {
    if (Object.hasOwn(FAMILY, tag.slice(0, n))) return FAMILY[tag.slice(0, n)];
  }
  return "other";
}

let models = [];

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

async function call(method, path, body) {
  const r = await fetch(path, { method, headers: headers(), body: body && JSON.stringify(body) });
  const data = await r.json().catch(() => ({}));
  if (r.status === 401) $("key-box").hidden = false;
  if (!r.ok) throw new Error((data.error && data.error.message) || r.status + " " + r.statusText);
  return data;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fillStandards() {
  const m = models.find((x) => x.names.includes($("model").value) || x.name === $("model").value);
  const keep = $("standard").value;
  $("standard").replaceChildren(el("option", "", m && m.standard ? `(default: ${m.standard})` : "(the model's default)"));
  $("standard").firstChild.value = "";
  for (const s of (m && m.standards) || []) {
    const o = el("option", "", s);
    o.value = s;
    $("standard").append(o);
  }
  $("standard").value = m && m.standards.includes(keep) ? keep : "";
  $("pos").disabled = !(m && m.pos_tagging);
  if ($("pos").disabled) $("pos").checked = false;
}

async function loadModels(wanted) {
  models = (await call("GET", "/v1/models")).models;
  $("model").replaceChildren();
  for (const m of models) {
    const o = el("option", "", m.name + (m.default ? " (default)" : ""));
    o.value = m.name;
    $("model").append(o);
  }
  const def = models.find((m) => m.default);
  const pick = models.find((m) => m.name === wanted || m.names.includes(wanted));
  $("model").value = pick ? pick.name : def ? def.name : "";
}

function request() {
  const body = { text: $("text").value, pos: $("pos").checked };
  if ($("model").value) body.model = $("model").value;
  if ($("standard").value) body.standard = $("standard").value;
  const words = $("user-words").value.split("\n").map((w) => w.trim()).filter(Boolean);
  if (words.length) body.user_words = words;
  return body;
}

function shareLink(body) {
  const q = new URLSearchParams({ text: body.text });
  if (body.model) q.set("model", body.model);
  if (body.standard) q.set("standard", body.standard);
  if (body.pos) q.set("pos", "1");
  if ($("chars").checked) q.set("chars", "1");
  for (const w of body.user_words || []) q.append("word", w);
  history.replaceState(null, "", "?" + q.toString());
}

function render(answer, tagged) {
  const out = $("result");
  out.replaceChildren();
  const tokens = answer.results[0].tokens;
  const byOffset = new Map(((tagged && tagged.results[0].chars) || []).map((c) => [c.offset, c]));
  const seen = new Set();
  tokens.forEach((t, i) => {
    const w = el("span", "word");
    w.dataset.text = t.text;
    w.dataset.start = t.start;
    w.dataset.end = t.end;
    w.dataset.index = i;
    if (t.pos) {
      w.dataset.pos = t.pos;
      w.dataset.family = family(t.pos);
      seen.add(w.dataset.family);
    }
    w.title = `${t.text}  [${t.start}, ${t.end})` + (t.pos ? `  ${t.pos}` : "");
    if (tagged) {
      const chars = el("span", "chars");
      for (let k = t.start; k < t.end; k++) {
        const c = byOffset.get(k);
        if (!c) continue;
        const cell = el("span", "char label-" + c.label);
        cell.append(el("span", "c", c.char), el("span", "l", c.label), el("span", "p", c.prob.toFixed(2)));
        cell.title = `${c.char}: ${c.label}, probability ${c.prob.toFixed(4)}`;
        chars.append(cell);
      }
      w.append(chars);
    } else {
      w.append(el("span", "t", t.text));
    }
    w.append(el("span", "meta", `${t.start}–${t.end}` + (t.pos ? " " + t.pos : "")));
    out.append(w);
  });
  const legend = $("legend");
  legend.replaceChildren();
  for (const f of Object.keys(FAMILY_NAMES)) {
    if (!seen.has(f)) continue;
    const item = el("span", "word swatch", FAMILY_NAMES[f]);
    item.dataset.family = f;
    legend.append(item);
  }
  legend.hidden = seen.size === 0;
}

async function segment(event) {
  if (event) event.preventDefault();
  const body = request();
  if (!body.text.trim()) return;
  $("status").textContent = "segmenting…";
  $("go").disabled = true;
  try {
    const t0 = performance.now();
    const [answer, tagged] = await Promise.all([
      call("POST", "/v1/segment", body),
      $("chars").checked ? call("POST", "/v1/tag", body) : Promise.resolve(null),
    ]);
    render(answer, tagged);
    const n = answer.results[0].tokens.length;
    $("status").textContent = `${n} words, model ${answer.model}` + (answer.standard ? `, standard ${answer.standard}` : "") +
      ` (${Math.round(performance.now() - t0)} ms)`;
    shareLink(body);
    document.body.dataset.state = "done";
  } catch (e) {
    $("status").textContent = "error: " + e.message;
    document.body.dataset.state = "error";
  } finally {
    $("go").disabled = false;
  }
}

async function start() {
  const q = new URLSearchParams(location.search);
  $("form").addEventListener("submit", segment);
  $("model").addEventListener("change", fillStandards);
  $("chars").checked = q.get("chars") === "1";
  $("user-words").value = q.getAll("word").join("\n");
  if (q.getAll("word").length) $("user-words-box").open = true;
  const listModels = async (wanted) => {
    try {
      await loadModels(wanted);
      $("status").textContent = "";
    } catch (e) {
      $("status").textContent = "cannot list the models: " + e.message;
    }
    fillStandards();
  };
  $("key").addEventListener("change", () => listModels($("model").value));  // a key given after a 401
  await listModels(q.get("model"));
  if (q.get("standard")) $("standard").value = q.get("standard");
  $("pos").checked = q.get("pos") === "1" && !$("pos").disabled;
  if (q.has("text")) {
    $("text").value = q.get("text");
    await segment();
  }
}

start();
