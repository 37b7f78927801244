// The floor of the benchmarks: a bare node:http server doing the least a node must do. It
// answers POST /message with a small JSON body after reading the request body, streams each
// POSTed body to every GET /events subscriber as one SSE event, and answers GET /health.
// Runs under Deno and Node alike; prints its port on stdout, exits when stdin ends.
import { createServer } from "node:http";
import process from "node:process";

const subscribers = new Set();
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  if (req.method === "GET" && req.url === "/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write("event: hello\ndata: {}\n\n");
    subscribers.add(res);
    req.on("close", () => subscribers.delete(res));
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (subscribers.size > 0) {
      const event = `event: recv\ndata: ${Buffer.concat(chunks).toString("utf8")}\n\n`;
      for (const s of subscribers) s.write(event);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
