/**
 * The web page's script as text (`GET /app.js`): follows the viewer's one SSE stream
 * (`/events`, see `wire.ts`), keeps what it was told, and draws the office, the conversation,
 * the pending prompts, the composer and the node cards. Untrusted text only ever goes through
 * `textContent`. Plain ES2020 for any current browser.
 *
 * @module
 */

import { OFFICE_SCRIPT } from "./page_office.ts";
import { BREAKING, INVISIBLE } from "../../src/core/shown_text.ts";

const MAIN_SCRIPT = String.raw`
var S = { desks: [], chat: new Map(), prompts: [], flights: [], timing: { flightMs: 1500,
  talkMs: 3000, listenMs: 3000 }, operator: false, offset: 0, chatLimit: 200 };
var filter = "";

function $(id) { return document.getElementById(id); }
function now() { return Date.now() + S.offset; }
// The one rule for shown text (src/core/shown_text.ts): controls and line separators become a
// space (line feeds stay), bidi and invisible characters go, as in the terminal.
function clean(text) {
  return String(text).replace(/${INVISIBLE.source}/g, "")
    .replace(/${BREAKING.source}/g, function (c) { return c === "\n" ? c : " "; });
}
function el(tag, attrs, children) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === "text") e.textContent = clean(attrs[k]);
    else if (k === "class") e.className = attrs[k];
    else e.setAttribute(k, String(attrs[k]));
  }
  (children || []).forEach(function (c) { if (c) e.appendChild(c); });
  return e;
}
function clock(ms) {
  var d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) {
    return String(n).padStart(2, "0");
  }).join(":");
}
function ago(ms) {
  var s = Math.max(0, Math.round((now() - ms) / 1000));
  return s < 60 ? s + " s" : Math.round(s / 60) + " min";
}

var MARK = { delivered: "✓ delivered", read: "✓✓ read", queued: "… queued", stored: "… stored",
  held: "… held", refused: "✗ refused", expired: "✗ expired" };

function drawChat() {
  var box = $("chat");
  var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  var lines = Array.from(S.chat.values()).sort(function (a, b) { return a.at - b.at; });
  var frag = document.createDocumentFragment();
  lines.forEach(function (l) {
    if (filter && l.from !== filter && l.to.indexOf(filter) < 0) return;
    if (l.note) { frag.appendChild(el("li", { "class": "line note-line", "data-id": l.id, text: l.text })); return; }
    var parent = l.replyTo && S.chat.get(l.replyTo);
    var reply = l.replyTo ? el("div", { "class": "reply", text: parent
      ? "↩ " + parent.from + ": " + parent.text.slice(0, 120) : "↩ reply to " + l.replyTo }) : null;
    var marks = el("div", { "class": "marks" }, (l.delivery || []).map(function (m) {
      return el("span", { "class": "mark", "data-peer": m.peer, "data-state": m.state,
        title: m.reason ? clean(m.reason) : m.state, text: m.peer + " " + (MARK[m.state] || m.state) });
    }));
    frag.appendChild(el("li", { "class": "line", "data-id": l.id, "data-from": l.from }, [
      el("div", { "class": "meta" }, [
        el("span", { "class": "from", text: l.from }),
        el("span", { "class": "to", text: "→ " + l.to.join(", ") }),
        el("time", { datetime: new Date(l.at).toISOString(), text: clock(l.at) }),
      ]),
      reply,
      el("p", { "class": "text", text: l.text }),
      marks,
    ]));
  });
  box.replaceChildren(frag);
  if (atEnd) box.scrollTop = box.scrollHeight;
}

// The per-run token: taken from the address bar once, then kept in this tab's sessionStorage,
// which no other origin (no other port) can read, and sent with every data request.
var TOKEN = (function () {
  var given = new URLSearchParams(location.search).get("token");
  if (given) {
    sessionStorage.setItem("ctw_token", given);
    history.replaceState(null, "", "/");
  }
  return given || sessionStorage.getItem("ctw_token") || "";
})();

function post(path, body) {
  return fetch(path, { method: "POST", headers: { "content-type": "application/json",
    authorization: "Bearer " + TOKEN }, body: JSON.stringify(body) }).then(function (r) {
    return r.json().catch(function () { return { ok: false, error: "HTTP " + r.status }; });
  }, function (e) { return { ok: false, error: String(e) }; });
}

function drawPrompts() {
  $("prompts-note").textContent = S.operator ? "" :
    "Read-only: start the viewer with an operator key to answer prompts.";
  var frag = document.createDocumentFragment();
  S.prompts.slice().reverse().forEach(function (p) {
    var result = el("span", { "class": "note" });
    var buttons = ["allow", "deny"].map(function (behavior) {
      var b = el("button", { type: "button", "class": behavior, "data-action": behavior,
        text: behavior === "allow" ? "Allow" : "Deny" });
      b.disabled = !S.operator;
      b.addEventListener("click", function () {
        buttons.forEach(function (x) { x.disabled = true; });
        result.textContent = "sending…";
        post("/api/verdict", { node: p.node, request_id: p.requestId, behavior: behavior })
          .then(function (r) {
            result.textContent = r.ok ? behavior + " sent" : clean(r.error || "failed");
            if (!r.ok) buttons.forEach(function (x) { x.disabled = false; });
          });
      });
      return b;
    });
    frag.appendChild(el("li", { "class": "prompt", "data-prompt": p.node + "/" + p.requestId }, [
      el("div", { "class": "meta", text: p.role + " · " + p.toolName + " · " + p.requestId +
        " · " + ago(p.at) + " ago" }),
      el("div", { text: p.description }),
      p.inputPreview ? el("pre", { text: p.inputPreview }) : null,
      el("div", { "class": "actions" }, buttons.concat([result])),
    ]));
  });
  $("prompts").replaceChildren(frag);
}

function queuedFrom(d) {
  var n = 0;
  S.chat.forEach(function (l) {
    if (l.from !== d.role) return;
    (l.delivery || []).forEach(function (m) {
      if (m.state === "queued" || m.state === "stored" || m.state === "held") n++;
    });
  });
  return n;
}

function drawNodes(t) {
  var frag = document.createDocumentFragment();
  S.desks.forEach(function (d) {
    var facts = [["address", d.address || (d.watched ? "" : "peer of a watched node")],
      ["version", d.version], ["connection", d.connection || "not watched"],
      ["latency", d.connection === "online" && d.latencyMs ? d.latencyMs + " ms" : ""],
      ["status", d.status], ["queued", d.watched ? String(queuedFrom(d)) : ""],
      ["last error", d.error]];
    var dl = el("dl");
    facts.forEach(function (f) {
      if (!f[1]) return;
      dl.appendChild(el("dt", { text: f[0] }));
      dl.appendChild(el("dd", { text: f[1] }));
    });
    frag.appendChild(el("div", { "class": "node", "data-node": d.key }, [
      el("h3", {}, [el("span", { "class": "dot", "data-mood": moodOf(d, t) }),
        el("span", { text: d.role || d.key })]),
      dl,
    ]));
  });
  $("nodes").replaceChildren(frag);
}

function fillSelect(select, keep) {
  var old = select.value;
  var options = [keep].concat(S.desks.filter(function (d) { return d.watched; }).map(function (d) {
    return el("option", { value: d.key, text: d.role || d.key });
  }));
  select.replaceChildren.apply(select, options);
  select.value = Array.from(select.options).some(function (o) { return o.value === old; }) ? old : keep.value;
}

function drawComposer() {
  fillSelect($("to"), el("option", { value: "all", text: "all" }));
  fillSelect($("filter"), el("option", { value: "", text: "all nodes" }));
  ["to", "text", "send"].forEach(function (id) { $(id).disabled = !S.operator; });
  if (!S.operator) {
    $("composer-note").textContent = "Read-only: start the viewer with an operator key to write.";
  }
}

var frame = 0;
function tick() {
  var t = now();
  var flying = drawOffice(t);
  drawNodes(t);
  clearTimeout(frame);
  frame = flying ? setTimeout(function () { requestAnimationFrame(tick); }, 16) : setTimeout(tick, 500);
}

function receive(type, data) {
  S.offset = data.now - Date.now();
  if (type === "snapshot") {
    S.timing = data.timing; S.operator = data.operator; S.chatLimit = data.chatLimit;
    S.chat = new Map();
    S.prompts = data.prompts; S.flights = data.flights; S.desks = data.desks;
    data.chat.forEach(function (l) { S.chat.set(l.id, l); });
    drawComposer(); drawChat(); drawPrompts();
  } else if (type === "desks") { S.desks = data.desks; drawComposer(); }
  else if (type === "lines") {
    data.lines.forEach(function (l) { S.chat.set(l.id, l); });
    var ids = Array.from(S.chat.values()).sort(function (a, b) { return a.at - b.at; });
    ids.slice(0, Math.max(0, ids.length - S.chatLimit)).forEach(function (l) { S.chat.delete(l.id); });
    drawChat();
  } else if (type === "prompts") { S.prompts = data.prompts; drawPrompts(); }
  else if (type === "flights") S.flights = data.flights;
  tick();
}

function start() {
  var live = $("live");
  // EventSource sends no headers: the token goes in its URL, seen by no other origin.
  var source = new EventSource("/events?token=" + encodeURIComponent(TOKEN));
  source.onopen = function () { live.dataset.state = "open"; live.textContent = "live"; };
  source.onerror = function () {
    live.dataset.state = source.readyState === 2 ? "closed" : "connecting";
    live.textContent = source.readyState === 2 ? "disconnected: reload with the token URL" : "reconnecting…";
  };
  ["snapshot", "desks", "lines", "prompts", "flights"].forEach(function (type) {
    source.addEventListener(type, function (e) { receive(type, JSON.parse(e.data)); });
  });
  $("filter").addEventListener("change", function () { filter = $("filter").value; drawChat(); });
  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value;
    if (!text.trim()) return;
    $("composer-note").textContent = "sending…";
    post("/api/message", { to: $("to").value, text: text }).then(function (r) {
      $("composer-note").textContent = r.ok ? "sent" : clean(r.error || "failed");
      if (r.ok) $("text").value = "";
    });
  });
  setInterval(drawPrompts, 5000);
  tick();
}
document.addEventListener("DOMContentLoaded", start);
`;

/** The page's whole script (`GET /app.js`). */
export const PAGE_SCRIPT = `"use strict";\n${OFFICE_SCRIPT}\n${MAIN_SCRIPT}`;
