/**
 * The office of the web page, as browser script text: one open-space room as the terminal
 * draws it (walls, ceiling lamps, a floor), a desk per node with the terminal's moods plus
 * waiting and not started, speech bubbles with the start of the message, and an arrow that
 * travels along the floor from sender to receiver; and the header's "n of m online". Drawn
 * into the page's SVG from the state the page holds, one SVG unit per CSS pixel, so text keeps
 * its size on a phone. Joined with the rest of the script by `page_script.ts`. Plain ES2020,
 * no template literals (this is one), all text set with `textContent`.
 *
 * @module
 */

/** Script text: defines `moodOf(desk, now)` and `drawOffice(now)`; reads the page's `S`. */
export const OFFICE_SCRIPT = String.raw`
var SVG = "http://www.w3.org/2000/svg";
var WALL = 10, CELL_MIN = 210, CELL_H = 220, LAMP_EVERY = 150;
var MOOD_LABEL = { idle: "idle", talking: "talking", listening: "listening",
  connecting: "connecting…", offline: "offline", waiting: "waiting on a prompt",
  "not-started": "not started" };

function svg(tag, attrs, text) {
  var e = document.createElementNS(SVG, tag);
  for (var k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}

function reducedMotion() {
  return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
}

function waiting(desk) {
  return S.prompts.some(function (p) { return p.node === desk.key || p.role === desk.role; });
}

// The terminal viewer's moods (viewer/model/state.ts moodOf), plus waiting on a prompt.
function moodOf(desk, now) {
  if (desk.connection === "connecting") return "connecting";
  if (desk.connection === "not-started") return "not-started";
  if (desk.connection === "offline" || desk.connection === "auth-failed") return "offline";
  if (waiting(desk)) return "waiting";
  var t = S.timing;
  var talking = desk.talkedAt !== undefined && now >= desk.talkedAt && now - desk.talkedAt < t.talkMs;
  var listening = desk.heardAt !== undefined && now >= desk.heardAt && now - desk.heardAt < t.listenMs;
  if (talking && listening) return desk.talkedAt >= desk.heardAt ? "talking" : "listening";
  return talking ? "talking" : listening ? "listening" : "idle";
}

// Why a node is offline, as the terminal says it (viewer/view/moods.ts offlineReason).
function offlineReason(desk) {
  if (desk.connection === "auth-failed") return "auth failed";
  if (desk.error && /\b404\b|not a talkie/i.test(desk.error)) return "not a node";
  return "unreachable";
}

function cut(text, n) {
  var one = clean(text).replace(/\s+/g, " ").trim();
  return one.length > n ? one.slice(0, Math.max(1, n - 1)).trimEnd() + "…" : one;
}

// Desks in balanced rows of equal cells between the walls, one unit a CSS pixel.
function layout(width) {
  var n = Math.max(S.desks.length, 1);
  var fit = Math.max(1, Math.floor((width - 2 * WALL) / CELL_MIN));
  var rows = Math.ceil(n / fit), cols = Math.ceil(n / rows);
  var cellW = (width - 2 * WALL) / cols;
  var places = {};
  S.desks.forEach(function (d, i) {
    var col = i % cols, row = Math.floor(i / cols);
    var x = WALL + col * cellW, y = WALL + row * CELL_H;
    places[d.key] = { x: x, y: y, w: cellW, cx: x + cellW / 2, floor: y + CELL_H - 10, col: col };
  });
  return { width: width, height: rows * CELL_H + 2 * WALL, rows: rows, places: places };
}

function drawRoom(l) {
  var g = svg("g", { "class": "room" });
  g.appendChild(svg("rect", { "class": "floor", x: WALL, y: WALL, width: l.width - 2 * WALL,
    height: l.height - 2 * WALL }));
  for (var r = 0; r < l.rows; r++) {
    var y = WALL + (r + 1) * CELL_H - 10;
    g.appendChild(svg("line", { "class": "floorline", x1: WALL + 6, x2: l.width - WALL - 6, y1: y, y2: y }));
  }
  g.appendChild(svg("rect", { "class": "wall", x: WALL / 2, y: WALL / 2, width: l.width - WALL,
    height: l.height - WALL, rx: 6 }));
  for (var x = LAMP_EVERY / 2; x < l.width - WALL; x += LAMP_EVERY) {
    g.appendChild(svg("circle", { "class": "glow", cx: x, cy: WALL + 4, r: 22 }));
    g.appendChild(svg("circle", { "class": "lamp", cx: x, cy: WALL / 2, r: 5 }));
  }
  return g;
}

// Eyes, mouth and ear of one mood, around the head's centre (hx, hy).
function drawFace(g, mood, d, hx, hy, now, toward) {
  var eyes = [hx - 8, hx + 8];
  if (mood === "offline") {
    eyes.forEach(function (x) { g.appendChild(svg("text", { "class": "eye-x", x: x, y: hy + 1 }, "✕")); });
  } else if (mood === "waiting" || mood === "not-started") {
    eyes.forEach(function (x) {
      g.appendChild(svg("line", { "class": "lid", x1: x - 4, x2: x + 4, y1: hy - 3, y2: hy - 3 }));
    });
  } else {
    var look = mood === "connecting" && !reducedMotion() ? (Math.floor(now / 500) % 2 ? 2 : -2) : 0;
    eyes.forEach(function (x) { g.appendChild(svg("circle", { "class": "eye", cx: x + look, cy: hy - 3, r: 3 })); });
  }
  var open = mood === "talking" && (reducedMotion() || Math.floor((now - (d.talkedAt || 0)) / 250) % 2 === 0);
  g.appendChild(open
    ? svg("ellipse", { "class": "mouth-open", cx: hx, cy: hy + 9, rx: 5, ry: 4 })
    : svg("line", { "class": "mouth", x1: hx - 6, x2: hx + 6, y1: hy + 9, y2: hy + 9 }));
  if (mood === "listening") {
    g.appendChild(svg("circle", { "class": "ear", cx: hx + (toward < 0 ? -24 : 24), cy: hy, r: 6 }));
  }
}

function drawDesk(d, p, now, toward) {
  var mood = moodOf(d, now);
  var g = svg("g", { "class": "desk", "data-desk": d.key, "data-mood": mood });
  var cx = p.cx, y = p.y, hy = y + 86;
  g.appendChild(svg("rect", { "class": "body", x: cx - 26, y: hy + 22, width: 52, height: 30, rx: 12 }));
  g.appendChild(svg("circle", { "class": "head", cx: cx, cy: hy, r: 22 }));
  drawFace(g, mood, d, cx, hy, now, toward);
  g.appendChild(svg("rect", { "class": "screen", x: cx + 34, y: hy + 14, width: 34, height: 24, rx: 3 }));
  g.appendChild(svg("rect", { "class": "table", x: cx - 72, y: hy + 38, width: 144, height: 9, rx: 3 }));
  g.appendChild(svg("line", { "class": "leg", x1: cx - 62, x2: cx - 62, y1: hy + 47, y2: hy + 60 }));
  g.appendChild(svg("line", { "class": "leg", x1: cx + 62, x2: cx + 62, y1: hy + 47, y2: hy + 60 }));
  if (mood === "waiting") {
    g.appendChild(svg("path", { "class": "lock-arc", d: "M " + (cx - 62) + " " + (hy - 8) +
      " v -5 a 6 6 0 0 1 12 0 v 5" }));
    g.appendChild(svg("rect", { "class": "lock", x: cx - 65, y: hy - 9, width: 18, height: 13, rx: 2 }));
  }
  var chars = Math.floor((p.w - 16) / 8);
  g.appendChild(svg("text", { "class": "name", x: cx, y: hy + 78 }, cut(d.role || d.key, chars)));
  var label = MOOD_LABEL[mood] + (mood === "offline" ? " · " + offlineReason(d) : "");
  g.appendChild(svg("text", { "class": "moodlabel", x: cx, y: hy + 96 }, label));
  if (d.status) {
    g.appendChild(svg("text", { "class": "status", x: cx, y: hy + 113 }, cut(d.status, chars)));
  }
  if (mood === "talking" && d.bubble) {
    var bw = Math.min(p.w - 16, 280);
    var b = svg("g", { "class": "bubble" });
    b.appendChild(svg("rect", { x: cx - bw / 2, y: y + 14, width: bw, height: 34, rx: 12 }));
    b.appendChild(svg("path", { d: "M " + (cx - 7) + " " + (y + 47) + " L " + cx + " " + (y + 60) +
      " L " + (cx + 7) + " " + (y + 47) + " Z" }));
    b.appendChild(svg("text", { x: cx, y: y + 36 }, cut(d.bubble, Math.floor((bw - 20) / 7.5))));
    g.appendChild(b);
  }
  g.appendChild(svg("title", {}, (d.role || d.key) + ": " + label));
  return g;
}

// An arrow on the floor: its head at the flight's progress from the sender's column to the
// recipient's, on the recipient's floor (as the terminal draws it).
function drawArrow(f, a, b, t) {
  var start = a.cx, end = b.cx, y = b.floor;
  if (a.y !== b.y && start === end) start = end - b.w / 2 > WALL ? end - b.w / 2 : end + b.w / 2;
  var head = start + (end - start) * t, dir = end >= start ? 1 : -1;
  var g = svg("g", { "class": "flight", "data-flight": f.id });
  g.appendChild(svg("line", { "class": "trail", x1: start, x2: head - dir * 6, y1: y, y2: y }));
  g.appendChild(svg("path", { "class": "head", d: "M " + (head + dir * 10) + " " + y + " L " + head + " " +
    (y - 7) + " L " + head + " " + (y + 7) + " Z" }));
  return g;
}

function drawHeader() {
  var watched = S.desks.filter(function (d) { return d.watched; });
  var online = watched.filter(function (d) { return d.connection === "online"; }).length;
  var badge = document.getElementById("online");
  badge.textContent = online + " of " + watched.length + " online";
  badge.dataset.state = watched.length === 0 ? "none" : online === watched.length ? "all"
    : online === 0 ? "none" : "some";
}

// Draws the whole office and the header; returns true while an arrow is still in the air.
function drawOffice(now) {
  drawHeader();
  var root = document.getElementById("office");
  var l = layout(Math.max(240, root.clientWidth || 1000));
  root.setAttribute("viewBox", "0 0 " + l.width + " " + l.height);
  root.setAttribute("width", String(l.width));
  root.setAttribute("height", String(l.height));
  var frag = document.createDocumentFragment();
  frag.appendChild(drawRoom(l));
  S.desks.forEach(function (d) {
    var from = d.heardFrom && l.places[d.heardFrom];
    var toward = from ? (from.cx < l.places[d.key].cx ? -1 : 1) : 1;
    frag.appendChild(drawDesk(d, l.places[d.key], now, toward));
  });
  if (S.desks.length === 0) {
    frag.appendChild(svg("text", { "class": "empty", x: l.width / 2, y: l.height / 2 },
      "No nodes yet: waiting for sessions to start"));
  }
  var flying = false;
  // Without motion there is no arrow: the chat line and the moods still tell who spoke.
  if (!reducedMotion()) {
    S.flights.forEach(function (f) {
      var a = l.places[f.from], b = l.places[f.to];
      var t = (now - f.start) / S.timing.flightMs;
      if (!a || !b || t < 0 || t >= 1) return;
      flying = true;
      frag.appendChild(drawArrow(f, a, b, t));
    });
  }
  root.replaceChildren(frag);
  return flying;
}
`;
