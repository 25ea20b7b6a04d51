// Example: 4 worker threads each make 250 requests through the one process-wide executor.
// They share its connection pool: the server sees a handful of connections, not 4 pools' worth.
//   node example/workers.mjs [url]      (default: starts the project's fixture server)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const oneloop = createRequire(import.meta.url)('../index.js');

if (!isMainThread) {
  // In a worker: 250 requests, 10 at a time, then one blocking request (only this worker waits).
  const { url, count } = workerData;
  const responses = [];
  for (let i = 0; i < count; i += 10) {
    responses.push(...await Promise.all(Array.from({ length: 10 }, () => oneloop.http.get(url))));
  }
  const last = oneloop.http.requestSync(url);
  parentPort.postMessage({
    ok: responses.filter((r) => r.ok).length,
    bytes: responses.reduce((n, r) => n + r.body.length, 0),
    lastStatus: last.status,
  });
} else {
  let url = process.argv[2];
  let server;
  if (!url) {
    const bin = path.join(process.env.ONELOOP_BUILD_DIR || new URL('../../build', import.meta.url).pathname,
      'tests', 'fixture', 'ol_fixture_server');
    server = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise((resolve) => server.stdout.on('data', (d) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) resolve(m[1]);
    }));
    url = `http://127.0.0.1:${port}/json`;
  }

  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 4 }, (_, i) => new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { url, count: 250 } });
    w.once('message', (m) => resolve({ worker: i, ...m }));
    w.once('error', reject);
  })));
  const ms = performance.now() - started;

  for (const r of results) console.log(`worker ${r.worker}: ${r.ok}/250 ok, ${r.bytes} bytes, sync request ${r.lastStatus}`);
  const stats = oneloop.stats();
  console.log(`1,004 requests (at most 40 at a time) in ${ms.toFixed(0)} ms; connections opened by the shared pool: ${stats.httpConnections}`);
  if (server) {
    const s = (await oneloop.http.get(new URL('/stats', url).href)).json();
    console.log(`the server saw ${s.requests} requests on ${s.connections} connections`);
    server.stdin.end();
  }
}
