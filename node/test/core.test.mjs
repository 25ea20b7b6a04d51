// Executor basics that need no HTTP: sleep, the completion path, cancellation, stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import oneloop from '../index.js';

test('C01 sleep resolves (undefined) on the shared executor', async () => {
  const before = oneloop.stats().completed;
  assert.equal(await oneloop.sleep(30), undefined);
  assert.ok(oneloop.stats().completed > before);
});

test('C10 many concurrent completions: each promise settles once, none lost', async () => {
  const n = 2000;
  const done = await Promise.all(Array.from({ length: n }, (_, i) => oneloop.sleep(i % 7).then(() => i)));
  assert.deepEqual(done, Array.from({ length: n }, (_, i) => i));
  assert.equal(oneloop.stats().envInFlight, 0);
});

test('C05 AbortSignal cancels a sleep; C04 an aborted signal never submits', async () => {
  const ac = new AbortController();
  const p = oneloop.sleep(60000, { signal: ac.signal });
  const before = oneloop.stats().cancelled;
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(oneloop.stats().cancelled, before + 1);
  const submitted = oneloop.stats().submitted;
  await assert.rejects(oneloop.sleep(1, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(oneloop.stats().submitted, submitted);
});

test('sleepSync blocks the calling thread (no callback runs meanwhile)', async () => {
  let ran = false;
  setImmediate(() => { ran = true; });
  const before = oneloop.stats().submitted;
  assert.equal(oneloop.sleepSync(20), undefined);
  assert.equal(ran, false);
  assert.equal(oneloop.stats().submitted, before + 1);
  await new Promise(setImmediate);
  assert.equal(ran, true);
});

test('an idle addon does not keep the process alive; pending work does until it settles', async () => {
  const { spawnSync } = await import('node:child_process');
  const idle = spawnSync(process.execPath, ['-e', "require(process.argv[1]).stats()", new URL('../index.js', import.meta.url).pathname], { encoding: 'utf8', timeout: 60000 });
  assert.equal(idle.status, 0, idle.stderr);
  const busy = spawnSync(process.execPath, ['-e', "const o=require(process.argv[1]); o.sleep(50).then(()=>console.log('slept'))", new URL('../index.js', import.meta.url).pathname], { encoding: 'utf8', timeout: 60000 });
  assert.equal(busy.status, 0, busy.stderr);
  assert.equal(busy.stdout.trim(), 'slept');
});
