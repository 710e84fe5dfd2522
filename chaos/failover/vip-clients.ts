import WebSocket from 'ws';

/**
 * Plain WebSockets held through the VIP, run inside the "world" namespace: each reconnects (with jitter)
 * when cut, and checks its socket with an echo. Prints {open, closes, reopens} every 250 ms.
 */
const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
let open = 0;
let closes = 0;
let reopens = 0;

function client(first = true): void {
  const ws = new WebSocket(url);
  let opened = false;
  ws.on('open', () => {
    opened = true;
    open += 1;
    if (!first) reopens += 1;
    ws.send('ping');
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    if (opened) {
      open -= 1;
      closes += 1;
    }
    setTimeout(() => client(first && !opened), 100 + Math.random() * 400);
  });
  // A socket to a VIP that moved gets no RST: the TCP keepalive is too slow, so a missed echo cuts it.
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    let answered = false;
    ws.once('message', () => {
      answered = true;
    });
    ws.send('ping');
    setTimeout(() => {
      if (!answered && ws.readyState === WebSocket.OPEN) ws.terminate();
    }, 1_000);
  }, 1_000);
  ws.on('close', () => clearInterval(timer));
}

for (let i = 0; i < count; i++) client();
setInterval(() => process.stdout.write(`${JSON.stringify({ open, closes, reopens })}\n`), 250);
setTimeout(() => process.exit(0), 300_000).unref();
