// Node benchmark: CPU per request and wall time per batch, oneloop vs undici `request` with a
// Pool vs global fetch, on the main thread and in 4 worker threads, against the project's
// fixture server, in one run. Prints figures and ratios; asserts nothing.
//   node bench/bench_node.mjs [--quick]   (ONELOOP_BUILD_DIR, ONELOOP_NODE_ADDON from run_node.sh)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { spawn, execFileSync } from 'node:child_process';
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

// A client ready to run batches: on this thread, or spread over 4 workers (n/4 each).
async function openClient(kind, origin, p) {
  const [client, where] = kind.split(' ');
  if (where === 'main') {
    const pool = client === 'undici' ? new Pool(origin) : null;
    return {
      batch: (n) => clients[client](origin, p, n, pool),
      close: async () => { if (pool) await pool.close(); },
    };
  }
  const workers = Array.from({ length: 4 }, () =>
    new Worker(new URL(import.meta.url), { workerData: { client, origin } }));
  return {
    batch: (n) => Promise.all(workers.map((w) => new Promise((resolve) => {
      w.once('message', resolve);
      w.postMessage({ p, n: Math.ceil(n / workers.length) });
    }))),
    close: async () => {
      for (const w of workers) w.postMessage({ stop: true });
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    },
  };
}

// Interleaved rounds: each round runs every client for `batches` batches of n; a client's figure
// is its best round (the least disturbed by other load on a shared machine).
async function runRow(kinds, origin, p, n, rounds, batches) {
  const opened = {};
  for (const kind of kinds) {
    opened[kind] = await openClient(kind, origin, p);
    for (let i = 0; i < batches; i++) await opened[kind].batch(n); // warm-up: connections, JIT
  }
  const best = Object.fromEntries(kinds.map((k) => [k, { cpuPerReq: Infinity, wallMs: Infinity }]));
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const stop = measure();
      for (let i = 0; i < batches; i++) await opened[kind].batch(n);
      const m = stop();
      best[kind].cpuPerReq = Math.min(best[kind].cpuPerReq, m.cpuUs / (n * batches));
      best[kind].wallMs = Math.min(best[kind].wallMs, m.wallMs / batches);
    }
  }
  for (const kind of kinds) await opened[kind].close();
  return best;
}

// The raw C libcurl multi loop of bench_http (same body and batch size, its own fixture server):
// the CPU floor of any design built on libcurl. null when bench_http is not built.
function cFloorUs(bodyIndex, n) {
  const exe = path.join(process.env.ONELOOP_BUILD_DIR || '', 'bench', 'bench_http');
  try {
    const out = execFileSync(exe, ['--quick', '--no-mem', '--only', String(n), '--body', String(bodyIndex),
      '--requests', String(Math.max(n, 2000))], { encoding: 'utf8', timeout: 600000 });
    const m = out.match(new RegExp(`^\\S+ \\S+\\s+${n} \\|\\s+([0-9.]+)\\s+([0-9.]+)`, 'm'));
    return m ? Number(m[2]) : null;
  } catch {
    return null;
  }
}

async function main() {
  const quick = process.argv.includes('--quick');
  const fx = await startFixture();
  const bodies = [['300 B', '/json'], ['100 KB', '/bytes/102400']];
  const counts = [100, 1000];
  const kinds = ['oneloop main', 'undici main', 'fetch main', 'oneloop 4workers', 'undici 4workers'];
  console.log(`node ${process.version}, oneloop ${oneloop.version}, undici ${require('undici/package.json').version}`);
  console.log('CPU = process CPU (user+sys, every thread incl. the executor) per request; wall = per batch of n');
  console.log('concurrent requests; best of interleaved rounds. undici: one Pool per thread; fetch: global.\n');
  for (const [bodyIndex, [label, p]] of bodies.entries()) {
    for (const n of counts) {
      const batches = Math.max(1, Math.round((quick ? 1000 : 3000) / n));
      const r = await runRow(kinds, fx.origin, p, n, quick ? 2 : 5, batches);
      console.log(`${label} x ${n} concurrent (${batches} batches per round)`);
      for (const [name, m] of Object.entries(r)) {
        console.log(`  ${name.padEnd(17)} CPU ${m.cpuPerReq.toFixed(1).padStart(8)} us/req   wall ${m.wallMs.toFixed(1).padStart(8)} ms/batch`);
      }
      const ratio = (a, b) => (r[a].cpuPerReq / r[b].cpuPerReq).toFixed(2);
      console.log(`  CPU ratios: oneloop/undici main ${ratio('oneloop main', 'undici main')}, 4 workers ${ratio('oneloop 4workers', 'undici 4workers')}; ` +
        `oneloop/fetch main ${ratio('oneloop main', 'fetch main')}`);
      const floor = cFloorUs(bodyIndex, n);
      if (floor) {
        console.log(`  raw C libcurl floor CPU ${floor.toFixed(1).padStart(8)} us/req: floor/undici main ` +
          `${(floor / r['undici main'].cpuPerReq).toFixed(2)} (no libcurl-based client can go below this ratio), ` +
          `oneloop main/floor ${(r['oneloop main'].cpuPerReq / floor).toFixed(2)}`);
      }
      console.log('');
    }
  }
  fx.close();
  console.log('target: oneloop CPU per request <= 1/3 of undici request (ratio <= 0.33)');
}

if (isMainThread) await main();
