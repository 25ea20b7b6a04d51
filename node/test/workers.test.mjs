// Worker threads: one executor and one connection pool shared by all of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import oneloop from '../index.js';
import { startFixture } from './support/fixture.mjs';

const WORKER = new URL('./support/worker.cjs', import.meta.url);
let fx;
before(async () => { fx = await startFixture(); });
after(async () => { await fx.close(); });

function runWorker(workerData) {
  const w = new Worker(WORKER, { workerData });
  const result = new Promise((resolve, reject) => {
    w.on('message', (m) => {
      if (m.started) return;
      if (m.error) reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else resolve(m);
    });
    w.on('error', reject);
  });
  const exited = once(w, 'exit').then(([code]) => code);
  return { worker: w, result, exited };
}

async function fixtureStats() {
  return (await oneloop.http.get(fx.url('/stats'))).json();
}

test('C10 16 workers submitting at once: nothing lost, nothing settled twice', async () => {
  const before = oneloop.stats();
  const runs = Array.from({ length: 16 }, () => runWorker({ scenario: 'requests', url: fx.url('/json'), n: 25 }));
  const results = await Promise.all(runs.map((r) => r.result));
  for (const { result } of results) {
    assert.equal(result.statuses.length, 25);
    assert.ok(result.statuses.every((s) => s === 200));
    assert.equal(result.bytes, 25 * 300);
  }
  await Promise.all(runs.map((r) => r.exited));
  const after = oneloop.stats();
  assert.equal(after.completed - before.completed, 16 * 25);
});

test('C17 C25 workers share one executor and one connection pool', async () => {
  await oneloop.http.get(fx.url('/stats/reset'));
  const before = oneloop.stats();
  const runs = Array.from({ length: 4 }, () => runWorker({ scenario: 'requests', url: fx.url('/json'), n: 50 }));
  const results = await Promise.all(runs.map((r) => r.result));
  // Every worker sees the same process-wide counters (C25: one executor).
  for (const { stats } of results) assert.ok(stats.submitted >= before.submitted + 50);
  const after = oneloop.stats();
  assert.ok(after.completed - before.completed >= 200);
  // 200 requests from 4 workers (and main) over few connections: far fewer than 4 pools would open.
  const server = await fixtureStats();
  assert.ok(server.requests >= 200, JSON.stringify(server));
  const opened = after.httpConnections - before.httpConnections;
  assert.ok(opened < 200, `opened ${opened} connections for 200 requests`);
  assert.ok(server.connections <= opened + 1, JSON.stringify({ server, opened }));
  await Promise.all(runs.map((r) => r.exited));
});

test('C17 workers run one after another reuse the same pooled connection', async () => {
  await oneloop.http.get(fx.url('/json')); // the main thread opens (or reuses) one connection
  await oneloop.http.get(fx.url('/stats/reset'));
  const before = oneloop.stats().httpConnections;
  for (let i = 0; i < 4; i++) {
    const run = runWorker({ scenario: 'sequential', url: fx.url('/json'), n: 10 });
    const { result } = await run.result;
    assert.deepEqual(result.statuses, Array(10).fill(200));
    await run.exited;
  }
  // 40 requests from 4 different workers, no new connection: one pool for the process.
  assert.equal(oneloop.stats().httpConnections - before, 0);
  const server = await fixtureStats();
  assert.equal(server.connections, 0, JSON.stringify(server)); // none opened since the reset
  assert.ok(server.requests >= 40, JSON.stringify(server));
});

test('sync APIs in a worker: sleepSync, requestSync, postSync, streamSync, errors thrown', async () => {
  const { result } = await runWorker({ scenario: 'sync', base: fx.base }).result;
  assert.equal(result.status, 200);
  assert.equal(result.json.service, 'oneloop-fixture');
  assert.equal(result.echo, 'hello from a worker');
  assert.equal(result.streamStatus, 200);
  assert.equal(result.streamed, 8000);
  assert.match(result.error, /^OL_E/);
});

test('a blocking call in a worker blocks only that worker', async () => {
  const blocked = runWorker({ scenario: 'blocked', url: fx.url('/delay/2000') });
  await once(blocked.worker, 'message'); // started
  // Meanwhile the main thread and another worker make progress.
  const other = await runWorker({ scenario: 'requests', url: fx.url('/json'), n: 10 }).result;
  assert.equal(other.result.statuses.length, 10);
  assert.equal((await oneloop.http.get(fx.url('/json'))).status, 200);
  const { result } = await blocked.result;
  assert.equal(result.finished, true);
});

test('C24 worker.terminate() with async requests in flight: no crash, jobs cancelled, others unaffected', async () => {
  const before = oneloop.stats();
  const w = runWorker({ scenario: 'inflight', url: fx.url('/delay/30000'), n: 20 });
  await once(w.worker, 'message');
  const code = await w.worker.terminate();
  assert.equal(code, 1);
  const after = oneloop.stats();
  assert.ok(after.cancelled - before.cancelled >= 21, `cancelled ${after.cancelled - before.cancelled}`);
  assert.equal(after.inFlight, 0);
  // The executor and other envs are unaffected.
  const other = await runWorker({ scenario: 'requests', url: fx.url('/json'), n: 10 }).result;
  assert.ok(other.result.statuses.every((s) => s === 200));
  assert.equal((await oneloop.http.get(fx.url('/json'))).status, 200);
});

test('C24 worker.terminate() while the worker is blocked in requestSync ends the wait and cancels the job', async () => {
  const before = oneloop.stats();
  const w = runWorker({ scenario: 'blocked', url: fx.url('/delay/60000') });
  await once(w.worker, 'message');
  await oneloop.sleep(50); // let the request start
  const code = await w.worker.terminate(); // resolves once the worker thread is gone
  assert.equal(code, 1);
  const after = oneloop.stats();
  assert.equal(after.cancelled - before.cancelled, 1);
  assert.equal(after.inFlight, 0);
});

test('many workers terminated mid-flight in a row leave the process healthy', async () => {
  for (let i = 0; i < 6; i++) {
    const w = runWorker({ scenario: 'inflight', url: fx.url('/delay/30000'), n: 5 });
    await once(w.worker, 'message');
    await w.worker.terminate();
  }
  assert.equal(oneloop.stats().inFlight, 0);
  assert.equal((await oneloop.http.get(fx.url('/json'))).status, 200);
});

test('C24 worker.terminate() while async stream reads wait: streams closed, transfers cancelled', async () => {
  // Stalled streams (armed, nothing comes) and dripping ones (readiness firing on the executor
  // while the worker goes away), in several workers in a row.
  const urls = [
    ...Array(3).fill(fx.url('/chunked/2/10?interval=60000')),
    ...Array(3).fill(fx.url('/fault/slow-drip?bytes=100000&interval=1')),
  ];
  for (let i = 0; i < 4; i++) {
    const before = oneloop.stats();
    const w = runWorker({ scenario: 'streams', urls });
    const [msg] = await once(w.worker, 'message');
    assert.equal(msg.inFlight, urls.length); // one armed read per stream
    await oneloop.sleep(20); // let the drips deliver a few bytes
    assert.equal(await w.worker.terminate(), 1);
    const after = oneloop.stats();
    assert.equal(after.cancelled - before.cancelled, urls.length, JSON.stringify({ before, after }));
    assert.equal(after.inFlight, 0);
  }
  // The executor and this env are unaffected.
  const s = await oneloop.http.stream(fx.url('/chunked/5/100?interval=5'));
  assert.equal((await s.body.buffer()).length, 500);
});

test('C12 async streaming inside a worker', async () => {
  const { result } = await runWorker({ scenario: 'stream', url: fx.url('/chunked/20/5000?interval=5') }).result;
  assert.equal(result.status, 200);
  assert.equal(result.n, 100000);
});
