/**
 * The office of the web page, as browser script text: desks with moods, speech bubbles and
 * arrows, drawn into the page's SVG from the state the page holds. Joined with the rest of the
 * script by `page_script.ts`. Plain ES2020, no template literals (this is one), all text set
 * with `textContent`.
 *
 * @module
 */

/** Script text: defines `moodOf(desk, now)` and `drawOffice(now)`; reads the page's `S`. */
export const OFFICE_SCRIPT = String.raw`
var SVG = "http://www.w3.org/2000/svg";
var CELL_W = 240, CELL_H = 170;
var MOOD_LABEL = { idle: "idle", talking: "talking", listening: "listening",
  connecting: "connecting…", offline: "offline", waiting: "waiting on a prompt" };

function svg(tag, attrs, text) {
  var e = document.createElementNS(SVG, tag);
  for (var k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}

function waiting(desk) {
  return S.prompts.some(function (p) { return p.node === desk.key || p.role === desk.role; });
}

// The terminal viewer's moods (viewer/model/state.ts moodOf), plus waiting on a prompt.
function moodOf(desk, now) {
  if (desk.connection === "connecting") return "connecting";
  if (desk.connection === "offline" || desk.connection === "auth-failed") return "offline";
  if (waiting(desk)) return "waiting";
  var t = S.timing;
  var talking = desk.talkedAt !== undefined && now >= desk.talkedAt && now - desk.talkedAt < t.talkMs;
  var listening = desk.heardAt !== undefined && now >= desk.heardAt && now - desk.heardAt < t.listenMs;
  if (talking && listening) return desk.talkedAt >= desk.heardAt ? "talking" : "listening";
  return talking ? "talking" : listening ? "listening" : "idle";
}

function cut(text, n) {
  var one = clean(text).replace(/\s+/g, " ").trim();
  return one.length > n ? one.slice(0, n - 1) + "…" : one;
}

function layout(width) {
  var n = Math.max(S.desks.length, 1);
  // Desks stay readable on a phone: at least about 170 px each.
  var cols = Math.max(1, Math.min(n <= 3 ? n : Math.ceil(Math.sqrt(n)), Math.floor(width / 170)));
  var places = {};
  S.desks.forEach(function (d, i) {
    var col = i % cols, row = Math.floor(i / cols);
    places[d.key] = { x: col * CELL_W, y: row * CELL_H, cx: col * CELL_W + CELL_W / 2 };
  });
  return { cols: cols, rows: Math.ceil(n / cols), places: places };
}

function drawDesk(d, p, now) {
  var mood = moodOf(d, now);
  var g = svg("g", { "class": "desk", "data-desk": d.key, "data-mood": mood });
  var cx = p.cx, y = p.y;
  g.appendChild(svg("rect", { "class": "tile", x: p.x + 8, y: y + 8, width: CELL_W - 16,
    height: CELL_H - 16, rx: 12 }));
  g.appendChild(svg("circle", { "class": "avatar", cx: cx - 10, cy: y + 62, r: 13 }));
  g.appendChild(svg("rect", { "class": "avatar", x: cx - 28, y: y + 77, width: 36, height: 22, rx: 9 }));
  g.appendChild(svg("rect", { "class": "screen", x: cx + 14, y: y + 66, width: 34, height: 22, rx: 3 }));
  g.appendChild(svg("rect", { "class": "table", x: cx - 62, y: y + 92, width: 124, height: 10, rx: 3 }));
  if (mood === "waiting") {
    g.appendChild(svg("path", { "class": "lock-arc", d: "M " + (cx + 56) + " " + (y + 60) +
      " v -5 a 6 6 0 0 1 12 0 v 5" }));
    g.appendChild(svg("rect", { "class": "lock", x: cx + 53, y: y + 59, width: 18, height: 13, rx: 2 }));
  }
  g.appendChild(svg("text", { "class": "name", x: cx, y: y + 120 }, cut(d.role || d.key, 26)));
  g.appendChild(svg("text", { "class": "moodlabel", x: cx, y: y + 136 }, MOOD_LABEL[mood]));
  if (d.status) g.appendChild(svg("text", { "class": "status", x: cx, y: y + 150 }, cut(d.status, 34)));
  if (mood === "talking" && d.bubble) {
    var b = svg("g", { "class": "bubble" });
    b.appendChild(svg("rect", { x: p.x + 16, y: y + 14, width: CELL_W - 32, height: 26, rx: 10 }));
    b.appendChild(svg("text", { x: cx, y: y + 31 }, cut(d.bubble, 30)));
    g.appendChild(b);
  }
  var title = svg("title", {}, (d.role || d.key) + ": " + MOOD_LABEL[mood]);
  g.appendChild(title);
  return g;
}

// Draws the whole office; returns true while an arrow is still in the air.
function drawOffice(now) {
  var root = document.getElementById("office");
  var l = layout(root.clientWidth || 1000);
  root.setAttribute("viewBox", "0 0 " + l.cols * CELL_W + " " + l.rows * CELL_H);
  var frag = document.createDocumentFragment();
  S.desks.forEach(function (d) { frag.appendChild(drawDesk(d, l.places[d.key], now)); });
  var flying = false;
  S.flights.forEach(function (f) {
    var a = l.places[f.from], b = l.places[f.to];
    var t = (now - f.start) / S.timing.flightMs;
    if (!a || !b || t < 0 || t >= 1) return;
    flying = true;
    // A curve over the desks between the two avatars, and the message as a dot along it.
    var ax = a.cx - 10, ay = a.y + 50, bx = b.cx - 10, by = b.y + 50;
    var mx = (ax + bx) / 2, my = Math.max(4, Math.min(ay, by) - 40);
    frag.appendChild(svg("path", { "class": "flight", "data-flight": f.id,
      d: "M " + ax + " " + ay + " Q " + mx + " " + my + " " + bx + " " + by }));
    var u = 1 - t;
    frag.appendChild(svg("circle", { "class": "flight-dot", r: 6,
      cx: u * u * ax + 2 * u * t * mx + t * t * bx, cy: u * u * ay + 2 * u * t * my + t * t * by }));
  });
  root.replaceChildren(frag);
  return flying;
}
`;
