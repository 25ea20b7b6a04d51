// Streaming bodies: async iteration (any thread) and early close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import oneloop from '../index.js';
import { startFixture } from './support/fixture.mjs';

const { http } = oneloop;
// The fixture's body bytes: byte i is 'a' + i % 26.
const pattern = (n) => Buffer.from(Array.from({ length: n }, (_, i) => 97 + (i % 26)));
let fx;
before(async () => { fx = await startFixture(); });
after(async () => { await fx.close(); });

test('C12 stream: the head first, then every chunk; bytes equal the body; end once', async () => {
  const full = (await http.get(fx.url('/bytes/300000'))).body;
  const s = await http.stream(fx.url('/bytes/300000'));
  assert.equal(s.status, 200);
  assert.equal(s.headers.get('content-length'), '300000');
  const parts = [];
  for await (const chunk of s.body) {
    assert.ok(Buffer.isBuffer(chunk));
    parts.push(chunk);
  }
  assert.ok(Buffer.concat(parts).equals(full));
  assert.equal(s.body.closed, true);
  await assert.rejects(s.body.readRaw(), /closed/);
});

test('C12 stream: chunked body delivered with intervals', async () => {
  const s = await http.stream(fx.url('/chunked/10/1000?interval=10'));
  assert.ok((await s.body.buffer()).equals(pattern(10000)));
});

test('C12 stream: bytes that trickle in one by one all come, in order', async () => {
  // Every byte arrives after the reader is already waiting for it.
  const s = await http.stream(fx.url('/fault/slow-drip?bytes=8&interval=15'));
  const parts = [];
  for await (const chunk of s.body) parts.push(chunk);
  assert.ok(Buffer.concat(parts).equals(pattern(8)), Buffer.concat(parts).toString());
  assert.ok(parts.length >= 2, `${parts.length} chunks`);
});

test('stream: readers waiting on stalled streams hold no thread (more of them than UV_THREADPOOL_SIZE)', async () => {
  const n = 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4) + 1;
  // The head and a first chunk come at once, the second chunk only after a minute.
  const streams = await Promise.all(Array.from({ length: n }, () =>
    http.stream(fx.url('/chunked/2/10?interval=60000'))));
  for (const s of streams) assert.equal((await s.body.readRaw()).length, 10);
  const base = oneloop.stats();
  const outcomes = [];
  const reads = streams.map((s) => s.body.readRaw().then(
    (v) => outcomes.push(v), (e) => { outcomes.push(e); throw e; }));
  assert.equal(oneloop.stats().envInFlight - base.envInFlight, n); // one registration per reader

  // Node's threadpool is free: more pbkdf2 calls than it has threads, and a file read.
  const hash = promisify(pbkdf2);
  await Promise.all([
    ...Array.from({ length: n }, () => hash('pw', 'salt', 1000, 32, 'sha256')),
    readFile(new URL(import.meta.url)),
  ]);
  await delay(200); // long enough for a design that polls in slices (50 ms before) to show
  assert.deepEqual(outcomes, []); // every reader still waits...
  assert.equal(oneloop.stats().submitted, base.submitted); // ...and no executor job waits for it

  for (const s of streams) s.body.close(); // a waiting read ends, the transfer is aborted
  await Promise.all(reads.map((r) => assert.rejects(r, /closed/)));
  const after = oneloop.stats();
  assert.equal(after.cancelled - base.cancelled, n, JSON.stringify({ base, after }));
  assert.equal(after.envInFlight, base.envInFlight); // every registration was freed
});

test('C13 stream: an idle consumer keeps memory bounded (the transfer pauses at the capacity)', async () => {
  const capacity = 1024 * 1024; // the iterator's default channel size
  const s = await http.stream(fx.url('/bytes/8000000'));
  // Wait until the producer has filled the channel, then check that it stopped there.
  while (s.body.buffered < capacity) await oneloop.sleep(10);
  const high = s.body.buffered;
  await oneloop.sleep(100);
  assert.ok(s.body.buffered <= capacity + 256 * 1024, `buffered ${s.body.buffered}`);
  assert.ok(s.body.buffered - high <= 256 * 1024, `still growing: ${high} -> ${s.body.buffered}`);
  assert.equal((await s.body.buffer()).length, 8000000); // resumes when read
});

test('C13 stream: a slow consumer still gets everything (the transfer pauses meanwhile)', async () => {
  const s = await http.stream(fx.url('/bytes/4000000'));
  let n = 0;
  let reads = 0;
  for await (const chunk of s.body) {
    n += chunk.length;
    if (++reads % 16 === 0) await oneloop.sleep(5);
  }
  assert.equal(n, 4000000);
});

test('C14 stream: breaking out early aborts the transfer', async () => {
  const before = oneloop.stats();
  const s = await http.stream(fx.url('/chunked/1000/1000?interval=20'));
  let n = 0;
  for await (const chunk of s.body) {
    assert.ok(chunk.length > 0);
    if ((n += chunk.length) >= 3000) break; // after waiting for later chunks
  }
  assert.equal(s.body.closed, true);
  // The transfer is cancelled at once, not left running for 20 s.
  const after = oneloop.stats();
  assert.equal(after.cancelled - before.cancelled, 1, JSON.stringify({ before, after }));
  assert.equal(after.envInFlight, before.envInFlight);
});

test('C14 stream: return() while a read waits closes at once; the read ends, the transfer is aborted', async () => {
  const s = await http.stream(fx.url('/chunked/2/10?interval=60000'));
  const it = s.body[Symbol.asyncIterator]();
  assert.equal((await it.next()).value.length, 10); // the first chunk comes at once
  const before = oneloop.stats();
  const pending = it.next(); // the second one only after a minute
  const queued = it.next();
  await new Promise(setImmediate);
  assert.equal(oneloop.stats().envInFlight - before.envInFlight, 1); // one read armed
  assert.deepEqual(await it.return('r'), { done: true, value: 'r' });
  assert.equal(s.body.closed, true);
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.deepEqual(await queued, { done: true, value: undefined });
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  const after = oneloop.stats();
  assert.equal(after.cancelled - before.cancelled, 1, JSON.stringify({ before, after }));
  assert.equal(after.envInFlight, before.envInFlight); // the armed read was freed
});

test('C12 stream: next() calls made at once are served in order', async () => {
  const s = await http.stream(fx.url('/chunked/4/10?interval=5'));
  const it = s.body[Symbol.asyncIterator]();
  const results = await Promise.all(Array.from({ length: 5 }, () => it.next()));
  assert.deepEqual(results.map((r) => r.done), [false, false, false, false, true]);
  assert.ok(Buffer.concat(results.slice(0, 4).map((r) => r.value)).equals(pattern(40)));
});

test('C05 stream: AbortSignal while waiting for a chunk rejects and closes', async () => {
  const ac = new AbortController();
  const s = await http.stream(fx.url('/chunked/10/10?interval=5000'), { signal: ac.signal });
  const it = s.body[Symbol.asyncIterator]();
  await it.next(); // the first chunk comes at once
  const pending = it.next();
  setImmediate(() => ac.abort());
  await assert.rejects(pending, { name: 'AbortError' });
  assert.equal(s.body.closed, true);
});

test('C16 stream: a truncated chunked body fails the iteration with OL_EPARTIAL', async () => {
  const s = await http.stream(fx.url('/fault/truncated-chunked'));
  await assert.rejects(s.body.buffer(), { code: 'OL_EPARTIAL' });
  assert.equal(s.body.closed, true);
});

test('C16 stream: a connection reset mid-body rejects the iteration with OL_ERECV', async () => {
  const s = await http.stream(fx.url('/fault/reset'));
  assert.equal(s.headers.get('content-length'), '100000');
  const parts = [];
  await assert.rejects(async () => { for await (const chunk of s.body) parts.push(chunk); },
    { code: 'OL_ERECV' });
  const got = Buffer.concat(parts);
  assert.ok(got.length <= 1000 && got.equals(pattern(got.length)), `${got.length} bytes`);
  assert.equal(s.body.closed, true);
});

test('C02 stream: connection failure rejects the stream() promise', async () => {
  await assert.rejects(http.stream(fx.url('/fault/close')), (e) => e instanceof oneloop.OneloopError);
});
