// Runs under the Lambda runtime's Node.js major: loads a synthesized bundle once (as an execution
// environment does at init) and calls its handler for every event the parent sends over IPC.
const entry = process.argv[2];
const startedAt = process.hrtime.bigint();
const bundle = require(entry);
const initMs = Number(process.hrtime.bigint() - startedAt) / 1e6;

const memory = () => ({
  rssBytes: process.memoryUsage.rss(),
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
});

const cpuMs = (since) => {
  const cpu = process.cpuUsage(since);
  return (cpu.user + cpu.system) / 1000;
};

process.on('message', async (msg) => {
  if (msg.type !== 'invoke') return;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  try {
    const result = await bundle.handler(msg.event, { awsRequestId: msg.event?.requestContext?.requestId });
    process.send({
      type: 'result',
      id: msg.id,
      result,
      ms: Number(process.hrtime.bigint() - t0) / 1e6,
      cpuMs: cpuMs(cpu0),
      ...memory(),
    });
  } catch (err) {
    process.send({ type: 'result', id: msg.id, error: String(err?.stack ?? err), ...memory() });
  }
});

process.send({ type: 'ready', version: process.version, initMs, ...memory() });
