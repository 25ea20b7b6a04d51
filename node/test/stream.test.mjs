// Streaming bodies: async iteration (any thread) and early close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import oneloop from '../index.js';
import { startFixture } from './support/fixture.mjs';

const { http } = oneloop;
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
  assert.equal((await s.body.buffer()).length, 10000);
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
  for await (const chunk of s.body) {
    assert.ok(chunk.length > 0);
    break;
  }
  assert.equal(s.body.closed, true);
  // The transfer is cancelled, not left running for 20 s (the close may wait for one slice).
  while (oneloop.stats().cancelled === before.cancelled) await oneloop.sleep(10);
  const after = oneloop.stats();
  assert.ok(after.cancelled > before.cancelled, JSON.stringify({ before, after }));
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

test('C02 stream: connection failure rejects the stream() promise', async () => {
  await assert.rejects(http.stream(fx.url('/fault/close')), (e) => e instanceof oneloop.OneloopError);
});
