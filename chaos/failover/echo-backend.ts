import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

/**
 * The backend behind the failover pair, run inside the namespace standing for the node subnet: echoes
 * messages, answers HAProxy's health check. Port and host from argv; exits by itself after 10 minutes.
 */
const [host, port] = process.argv.slice(2);
const http = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
const wss = new WebSocketServer({ server: http });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
http.listen(Number(port), host, () => process.stdout.write('listening\n'));
setTimeout(() => process.exit(0), 600_000).unref();
