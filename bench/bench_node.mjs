// Node benchmark: CPU per request and wall time per batch, oneloop vs undici `request` with a
// Pool vs global fetch, on the main thread and in 4 worker threads, against the project's
// fixture server, in one run. Prints figures and ratios; asserts nothing.
//   node bench/bench_node.mjs [--quick]   (ONELOOP_BUILD_DIR, ONELOOP_NODE_ADDON from run_node.sh)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import path from 'node:path';

const require = createRequire(new URL('../node/package.json', import.meta.url));
const oneloop = require('./index.js');
const { Pool } = require('undici');

// ---- one batch of n concurrent requests, per client

const clients = {
  async oneloop(origin, p, n) {
    const url = origin + p;
    const res = await Promise.all(Array.from({ length: n }, () => oneloop.http.get(url)));
    return res.reduce((a, r) => a + r.body.length, 0);
  },
  async undici(origin, p, n, pool) {
    const res = await Promise.all(Array.from({ length: n }, async () => {
      const { body } = await pool.request({ path: p, method: 'GET' });
      return (await body.arrayBuffer()).byteLength;
    }));
    return res.reduce((a, b) => a + b, 0);
  },
  async fetch(origin, p, n) {
    const res = await Promise.all(Array.from({ length: n }, async () => {
      const r = await fetch(origin + p);
      return (await r.arrayBuffer()).byteLength;
    }));
    return res.reduce((a, b) => a + b, 0);
  },
};

// ---- worker side: run batches when told to

if (!isMainThread) {
  const { client, origin } = workerData;
  const pool = client === 'undici' ? new Pool(origin) : null;
  parentPort.on('message', async ({ p, n, stop }) => {
    if (stop) {
      if (pool) await pool.close();
      parentPort.close();
      return;
    }
    const bytes = await clients[client](origin, p, n, pool);
    parentPort.postMessage(bytes);
  });
}

// ---- main side

async function startFixture() {
  const bin = path.join(process.env.ONELOOP_BUILD_DIR, 'tests', 'fixture', 'ol_fixture_server');
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  return { origin: `http://127.0.0.1:${port}`, close: () => child.stdin.end() };
}

function measure() {
  const cpu0 = process.cpuUsage(); // the whole process: every thread, the executor's too
  const t0 = process.hrtime.bigint();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return { cpuUs: cpu.user + cpu.system, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function runMain(client, origin, p, n, reps) {
  const pool = client === 'undici' ? new Pool(origin) : null;
  await clients[client](origin, p, n, pool); // warm-up: connections, JIT
  const cpu = [], wall = [];
  for (let i = 0; i < reps; i++) {
    const stop = measure();
    await clients[client](origin, p, n, pool);
    const m = stop();
    cpu.push(m.cpuUs / n);
    wall.push(m.wallMs);
  }
  if (pool) await pool.close();
  return { cpuPerReq: median(cpu), wallMs: median(wall) };
}

async function runWorkers(client, origin, p, n, reps, nWorkers = 4) {
  const workers = Array.from({ length: nWorkers }, () =>
    new Worker(new URL(import.meta.url), { workerData: { client, origin } }));
  const batch = (count) => Promise.all(workers.map((w) => new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage({ p, n: count });
  })));
  const per = Math.ceil(n / nWorkers);
  await batch(per); // warm-up
  const cpu = [], wall = [];
  for (let i = 0; i < reps; i++) {
    const stop = measure();
    await batch(per);
    const m = stop();
    cpu.push(m.cpuUs / (per * nWorkers));
    wall.push(m.wallMs);
  }
  for (const w of workers) w.postMessage({ stop: true });
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  return { cpuPerReq: median(cpu), wallMs: median(wall) };
}

async function main() {
  const quick = process.argv.includes('--quick');
  const fx = await startFixture();
  const bodies = [['300 B', '/json'], ['100 KB', '/bytes/102400']];
  const counts = [100, 1000];
  const rows = [];
  console.log(`node ${process.version}, oneloop ${oneloop.version}, undici ${require('undici/package.json').version}, ${process.env.UV_THREADPOOL_SIZE ? 'UV_THREADPOOL_SIZE=' + process.env.UV_THREADPOOL_SIZE : ''}`);
  console.log('CPU = process CPU (user+sys, all threads) per request, median of batches; wall = per batch\n');
  for (const [label, p] of bodies) {
    for (const n of counts) {
      const reps = quick ? 3 : (n >= 1000 ? 5 : 15);
      const r = {};
      for (const client of ['oneloop', 'undici', 'fetch']) r[`${client} main`] = await runMain(client, fx.origin, p, n, reps);
      for (const client of ['oneloop', 'undici']) r[`${client} 4 workers`] = await runWorkers(client, fx.origin, p, n, reps);
      rows.push({ label, n, r });
      console.log(`${label} x ${n} concurrent`);
      for (const [name, m] of Object.entries(r)) {
        console.log(`  ${name.padEnd(18)} CPU ${m.cpuPerReq.toFixed(1).padStart(8)} us/req   wall ${m.wallMs.toFixed(1).padStart(8)} ms/batch`);
      }
      const ratio = (a, b) => (r[a].cpuPerReq / r[b].cpuPerReq).toFixed(2);
      console.log(`  CPU ratio oneloop/undici: main ${ratio('oneloop main', 'undici main')}, 4 workers ${ratio('oneloop 4 workers', 'undici 4 workers')}; oneloop/fetch (main) ${ratio('oneloop main', 'fetch main')}; oneloop 4 workers / undici main ${ratio('oneloop 4 workers', 'undici main')}\n`);
    }
  }
  fx.close();
  console.log('target: oneloop CPU per request <= 1/3 of undici request (ratio <= 0.33)');
}

if (isMainThread) await main();
