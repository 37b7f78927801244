/**
 * The web viewer's page and style, shipped inside the package as strings: no CDN, no web font,
 * works offline. The script is `page_script.ts`; all three are served by `server.ts` under a
 * strict Content-Security-Policy (no inline script or style).
 *
 * @module
 */

/** The page's HTML (`GET /`). Everything in it is static: the script fills it in. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>claude-talkie-walkie · office</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>claude-talkie-walkie</h1>
  <span id="online" class="badge" data-state="none" aria-live="polite">0 of 0 online</span>
  <span class="link"><span class="label">browser link</span>
    <span id="live" class="badge" data-state="connecting">connecting…</span></span>
</header>
<main>
  <section id="office-panel" aria-label="Office">
    <svg id="office" role="img" aria-label="The office: every node at its desk"></svg>
  </section>
  <section id="prompts-panel" aria-labelledby="prompts-title">
    <h2 id="prompts-title">Permission prompts</h2>
    <p id="prompts-note" class="note"></p>
    <ul id="prompts"></ul>
  </section>
  <section id="chat-panel" aria-labelledby="chat-title">
    <div class="bar">
      <h2 id="chat-title">Conversation</h2>
      <label>Node <select id="filter"><option value="">all nodes</option></select></label>
    </div>
    <ol id="chat" aria-live="polite"></ol>
    <form id="composer">
      <label for="to">To</label>
      <select id="to"><option value="all">all</option></select>
      <textarea id="text" rows="2" maxlength="16000" placeholder="A message from the operator"></textarea>
      <button type="submit" id="send">Send</button>
      <p id="composer-note" class="note"></p>
    </form>
  </section>
  <section id="nodes-panel" aria-labelledby="nodes-title">
    <h2 id="nodes-title">Nodes</h2>
    <div id="nodes"></div>
  </section>
</main>
</body>
</html>
`;

/**
 * The page's style (`GET /app.css`): system fonts, one column below 900 px with the pending
 * prompts first, light and dark colours in which offline (red) and idle (grey) stay apart,
 * and no motion under `prefers-reduced-motion`.
 */
export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #f6f5f2; --panel: #fff; --ink: #1d1d1f; --dim: #6b6b70;
  --line: #dddcd6; --accent: #3b5bdb; --ok: #2b8a3e; --warn: #e67700; --bad: #c92a2a;
  --talk: #2f9e44; --listen: #1971c2; --idle: #868e96; --wait: #e8590c; --off: #e03131;
  --absent: #5c7cfa; --floor: #efe9dd; --wall: #495057; --lamp: #fab005; --wood: #b08968; }
@media (prefers-color-scheme: dark) { :root { --bg: #17181b; --panel: #212226; --ink: #ececf0;
  --dim: #9a9aa3; --line: #34353b; --idle: #8d949c; --off: #ff6b6b; --talk: #51cf66;
  --listen: #4dabf7; --wait: #ff922b; --absent: #91a7ff; --floor: #26272c; --wall: #868e96;
  --wood: #8d6e53; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; gap: 12px; padding: 8px 16px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 16px; margin: 0; }
h2 { font-size: 13px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--dim); }
header { flex-wrap: wrap; }
.badge { font-size: 13px; padding: 2px 10px; border-radius: 10px; background: var(--line); }
.link { display: inline-flex; gap: 6px; align-items: center; margin-left: auto; }
.link .label { font-size: 12px; color: var(--dim); }
#live[data-state=open] { background: var(--ok); color: #fff; }
#live[data-state=closed] { background: var(--bad); color: #fff; }
#online[data-state=all] { background: var(--ok); color: #fff; }
#online[data-state=some] { background: var(--warn); color: #fff; }
#online[data-state=none] { background: var(--bad); color: #fff; }
main { display: grid; gap: 12px; padding: 12px; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
  grid-template-areas: "office chat" "prompts chat" "nodes chat"; align-items: start; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 10px; }
#office-panel { grid-area: office; } #prompts-panel { grid-area: prompts; }
#chat-panel { grid-area: chat; display: flex; flex-direction: column; max-height: calc(100vh - 70px); }
#nodes-panel { grid-area: nodes; }
#office { width: 100%; height: auto; display: block; }
.note { color: var(--dim); font-size: 12px; margin: 4px 0; }
.note:empty { display: none; }
.bar { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
select, textarea, button { font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 4px 6px; }
button { cursor: pointer; } button:disabled, textarea:disabled, select:disabled { opacity: .5; cursor: not-allowed; }
#chat { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; min-height: 120px; }
.line { padding: 6px 4px; border-bottom: 1px solid var(--line); }
.line.note-line { color: var(--dim); font-style: italic; }
.meta { font-size: 12px; color: var(--dim); display: flex; flex-wrap: wrap; gap: 4px 8px; }
.meta .from { font-weight: 600; color: var(--ink); }
.reply { font-size: 12px; color: var(--dim); border-left: 3px solid var(--line); padding-left: 6px;
  margin: 2px 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.text { margin: 2px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.marks { display: flex; flex-wrap: wrap; gap: 4px; }
.mark { font-size: 11px; border-radius: 8px; padding: 0 6px; border: 1px solid var(--line); }
.mark[data-state=delivered], .mark[data-state=read] { color: var(--ok); border-color: var(--ok); }
.mark[data-state=queued], .mark[data-state=stored], .mark[data-state=held] { color: var(--warn); border-color: var(--warn); }
.mark[data-state=refused], .mark[data-state=expired] { color: var(--bad); border-color: var(--bad); }
#composer { display: grid; grid-template-columns: auto 1fr auto; gap: 6px; align-items: center;
  margin-top: 8px; border-top: 1px solid var(--line); padding-top: 8px; }
#composer textarea { grid-column: 1 / -1; resize: vertical; }
#composer .note { grid-column: 1 / -1; }
#prompts { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
#prompts:empty::after { content: "No session is waiting on a prompt."; color: var(--dim); font-size: 12px; }
.prompt { border: 1px solid var(--wait); border-radius: 8px; padding: 8px; }
.prompt pre { margin: 4px 0; padding: 6px; background: var(--bg); border-radius: 6px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 8em; overflow: auto; font-size: 12px; }
.prompt .actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.prompt .actions button { min-height: 44px; min-width: 96px; font-size: 16px; }
.allow { border-color: var(--ok); } .deny { border-color: var(--bad); }
#nodes { display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
.node { border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; }
.node h3 { margin: 0 0 4px; font-size: 14px; display: flex; gap: 6px; align-items: center; }
.node dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 0; font-size: 12px; }
.node dt { color: var(--dim); } .node dd { margin: 0; overflow-wrap: anywhere; }
.dot { width: 9px; height: 9px; border-radius: 50%; display: inline-block; background: var(--off); }
.dot[data-mood=idle] { background: var(--idle); } .dot[data-mood=talking] { background: var(--talk); }
.dot[data-mood=listening] { background: var(--listen); } .dot[data-mood=waiting] { background: var(--wait); }
.dot[data-mood=connecting] { background: var(--warn); } .dot[data-mood=offline] { background: var(--off); }
.dot[data-mood=not-started] { background: transparent; border: 2px dashed var(--absent); }
/* The office (SVG): one room, one unit a CSS pixel. */
.floor { fill: var(--floor); } .wall { fill: none; stroke: var(--wall); stroke-width: 6; }
.floorline { stroke: var(--line); stroke-width: 2; stroke-dasharray: 2 8; }
.lamp { fill: var(--lamp); } .glow { fill: var(--lamp); opacity: .18; }
.table { fill: var(--wood); } .leg { stroke: var(--wood); stroke-width: 3; }
.screen { fill: #343a40; }
.desk[data-mood=talking] .screen, .desk[data-mood=listening] .screen { fill: #74c0fc; }
.head, .body, .ear { fill: var(--idle); transition: fill .3s; }
.desk[data-mood=talking] :is(.head, .body) { fill: var(--talk); }
.desk[data-mood=listening] :is(.head, .body, .ear) { fill: var(--listen); }
.desk[data-mood=waiting] :is(.head, .body) { fill: var(--wait); }
.desk[data-mood=connecting] :is(.head, .body) { fill: var(--warn); }
.desk[data-mood=offline] :is(.head, .body) { fill: var(--off); }
.desk[data-mood=not-started] :is(.head, .body) { fill: none; stroke: var(--absent);
  stroke-width: 2; stroke-dasharray: 5 4; }
.eye { fill: var(--panel); } .lid, .mouth { stroke: var(--panel); stroke-width: 2.5; stroke-linecap: round; }
.desk[data-mood=not-started] :is(.lid, .mouth) { stroke: var(--absent); }
.mouth-open { fill: var(--panel); }
.eye-x { fill: var(--panel); font-size: 13px; font-weight: 700; text-anchor: middle; }
.desk text { fill: var(--ink); text-anchor: middle; }
.desk .name { font-size: 15px; font-weight: 600; }
.desk .moodlabel { fill: var(--dim); font-size: 13px; }
.desk[data-mood=offline] .moodlabel { fill: var(--off); font-weight: 600; }
.desk[data-mood=not-started] .moodlabel { fill: var(--absent); }
.desk .status { fill: var(--dim); font-size: 12px; font-style: italic; }
.desk[data-mood=offline] .status { opacity: .45; text-decoration: line-through; }
.bubble rect, .bubble path { fill: var(--panel); stroke: var(--talk); stroke-width: 1.5; }
.bubble text { font-size: 13px; }
.lock { fill: var(--wait); } .lock-arc { fill: none; stroke: var(--wait); stroke-width: 2; }
.flight .trail { stroke: var(--talk); stroke-width: 3; stroke-dasharray: 3 5; }
.flight .head { fill: var(--talk); }
.empty { fill: var(--dim); font-size: 14px; text-anchor: middle; }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
@media (max-width: 900px) {
  main { grid-template-columns: minmax(0, 1fr); grid-template-areas: "prompts" "office" "chat" "nodes"; padding: 8px; gap: 8px; }
  #chat-panel { max-height: none; } #chat { max-height: 60vh; }
  header { padding: 8px; gap: 8px; } section { padding: 8px; }
}
`;
