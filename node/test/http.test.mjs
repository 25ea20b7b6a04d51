// HTTP requests on the main thread, against the fixture server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import oneloop from '../index.js';
import { startFixture, refusedPort } from './support/fixture.mjs';

const { http } = oneloop;
let fx;
before(async () => { fx = await startFixture(); });
after(async () => { await fx.close(); });

test('C01 GET /json resolves a Response with status, headers, body, text(), json()', async () => {
  const r = await http.get(fx.url('/json'));
  assert.equal(r.status, 200);
  assert.equal(r.ok, true);
  assert.equal(r.httpVersion, '1.1');
  assert.equal(r.url, fx.url('/json'));
  assert.equal(r.headers.get('Content-Type'), 'application/json');
  assert.ok(Buffer.isBuffer(r.body));
  assert.equal(r.body.length, 300);
  assert.equal(r.text().length, 300);
  assert.equal(r.json().service, 'oneloop-fixture');
});

test('C01 a 100 KB body arrives intact', async () => {
  const r = await http.request(fx.url('/bytes/102400'));
  assert.equal(r.body.length, 102400);
  assert.equal(Number(r.headers.get('content-length')), 102400);
});

test('C01 any HTTP status is data, not an error', async () => {
  const r = await http.get(fx.url('/status/503'));
  assert.equal(r.status, 503);
  assert.equal(r.ok, false);
});

test('multi-valued headers keep order and are looked up case-insensitively', async () => {
  const r = await http.get(fx.url('/headers/multi'));
  const all = [...r.headers];
  assert.ok(all.length >= 2);
  const repeated = all.map(([n]) => n.toLowerCase()).find((n, i, a) => a.indexOf(n) !== i);
  assert.ok(repeated, 'the fixture sends a repeated header');
  assert.ok(r.headers.getAll(repeated.toUpperCase()).length >= 2);
});

test('POST body, method and request headers reach the server', async () => {
  const r = await http.post(fx.url('/echo'), 'hello oneloop', { headers: { 'X-Test': 'yes' } });
  assert.equal(r.text(), 'hello oneloop');
  assert.equal(r.headers.get('x-echo-method'), 'POST');
  const h = await http.get(fx.url('/echo/headers'), { headers: [['X-One', '1'], ['X-Two', ['a', 'b']]] });
  const head = h.text().toLowerCase();
  assert.match(head, /x-one: 1/);
  assert.match(head, /x-two: a/);
  assert.match(head, /x-two: b/);
  const j = await http.request(fx.url('/echo'), { method: 'PUT', json: { a: [1, 2] } });
  assert.deepEqual(j.json(), { a: [1, 2] });
  assert.equal(j.headers.get('x-echo-method'), 'PUT');
  const bytes = await http.post(fx.url('/echo'), new Uint8Array([0, 1, 2, 255]));
  assert.deepEqual([...bytes.body], [0, 1, 2, 255]);
});

test('C02 connection refused rejects with OL_ECONNREFUSED; other requests are unaffected', async () => {
  const port = await refusedPort();
  const [bad, good] = await Promise.allSettled([
    http.get(`http://127.0.0.1:${port}/`),
    http.get(fx.url('/json')),
  ]);
  assert.equal(bad.status, 'rejected');
  assert.ok(bad.reason instanceof oneloop.OneloopError);
  assert.equal(bad.reason.code, 'OL_ECONNREFUSED');
  assert.equal(bad.reason.errno, -33);
  assert.ok(bad.reason.message.length > 0);
  assert.equal(good.status, 'fulfilled');
  assert.equal(good.value.status, 200);
});

test('C04 AbortSignal already aborted: rejects with its reason, nothing submitted', async () => {
  const before = oneloop.stats().submitted;
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(http.get(fx.url('/json'), { signal: ac.signal }), /stop/);
  assert.equal(oneloop.stats().submitted, before);
});

test('C05 AbortSignal during a request: rejects with AbortError, the job is cancelled', async () => {
  const ac = new AbortController();
  const before = oneloop.stats().cancelled;
  const p = http.get(fx.url('/delay/30000'), { signal: ac.signal });
  setImmediate(() => ac.abort());
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(oneloop.stats().cancelled, before + 1);
  // The executor is still fine.
  assert.equal((await http.get(fx.url('/json'))).status, 200);
});

test('C06 aborting after completion has no effect', async () => {
  const ac = new AbortController();
  const r = await http.get(fx.url('/json'), { signal: ac.signal });
  ac.abort();
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 300);
});

test('C05 timeout option fails with OL_ETIMEDOUT', async () => {
  await assert.rejects(http.get(fx.url('/delay/30000'), { timeout: 100 }), { code: 'OL_ETIMEDOUT' });
});

test('C09 unawaited requests complete quietly', async () => {
  for (let i = 0; i < 20; i++) http.get(fx.url('/json'));
  // A later awaited request on the same executor still works and the earlier ones drain.
  assert.equal((await http.get(fx.url('/json'))).status, 200);
});

test('C16 server faults reject with their documented error, none stays pending', async () => {
  // The same table as the C suite's test_http_faults.cpp.
  const faults = {
    '/fault/reset': 'OL_ERECV', '/fault/truncated-chunked': 'OL_EPARTIAL',
    '/fault/short': 'OL_EPARTIAL', '/fault/garbage': 'OL_EPROTO',
    '/fault/big-headers': 'OL_ETOOLARGE',
  };
  const paths = Object.keys(faults);
  const results = await Promise.allSettled(paths.map((p) => http.get(fx.url(p), { timeout: 10000 })));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 'rejected', `${paths[i]} should fail`);
    assert.ok(r.reason instanceof oneloop.OneloopError, paths[i]);
    assert.equal(r.reason.code, faults[paths[i]], paths[i]);
  }
  // A close without reply: an empty reply on a fresh connection; on a reused one curl retries
  // on new connections and reports the last send failure ("Connection died").
  await assert.rejects(http.get(fx.url('/fault/close')),
    (e) => e.code === 'OL_EEMPTY' || e.code === 'OL_ESEND');
  await assert.rejects(http.get(fx.url('/fault/no-answer'), { timeout: 200 }), { code: 'OL_ETIMEDOUT' });
});

test('C19 file:// and other schemes are refused', async () => {
  await assert.rejects(http.get('file:///etc/passwd'), { code: 'OL_EPROTOCOL_DENIED' });
  await assert.rejects(http.get('gopher://127.0.0.1/'), { code: 'OL_EPROTOCOL_DENIED' });
});

test('C20 redirects are not followed unless asked', async () => {
  const r = await http.get(fx.url('/redirect/2'));
  assert.ok(r.status >= 300 && r.status < 400);
  const followed = await http.get(fx.url('/redirect/2'), { followRedirects: true });
  assert.equal(followed.status, 200);
  assert.notEqual(followed.url, fx.url('/redirect/2'));
  await assert.rejects(http.get(fx.url('/redirect/5'), { followRedirects: 2 }), { code: 'OL_EREDIRECTS' });
});

test('C19 C20 a redirect to file:// is refused although protocols allow file', async () => {
  const target = fx.url('/redirect-to?url=file:///etc/hostname');
  await assert.rejects(http.get(target, { followRedirects: 3, protocols: 'http,https,file' }),
    { code: 'OL_EPROTOCOL_DENIED' });
  const r = await http.get(target, { followRedirects: 3, protocols: 'http,https,file', redirectProtocols: 'http,https,file' });
  assert.notEqual(r.status, 302);
  assert.equal(r.text(), readFileSync('/etc/hostname', 'utf8'));
});

test('C21 maxResponseBytes fails with OL_ETOOLARGE', async () => {
  await assert.rejects(http.get(fx.url('/bytes/100000'), { maxResponseBytes: 1000 }), { code: 'OL_ETOOLARGE' });
});

test('C15 bad arguments throw TypeError / RangeError with a clear message, nothing submitted', async () => {
  const before = oneloop.stats().submitted;
  const cases = [
    [() => http.request(42), TypeError, /url must be a string or a URL/],
    [() => http.request('not a url'), TypeError, /not a valid absolute URL/],
    [() => http.request(fx.url('/'), 'GET'), TypeError, /options must be an object/],
    [() => http.request(fx.url('/'), { method: 'GE T' }), TypeError, /options\.method/],
    [() => http.request(fx.url('/'), { timeout: 'soon' }), TypeError, /options\.timeout must be a finite number/],
    [() => http.request(fx.url('/'), { timeout: -1 }), RangeError, /options\.timeout must be >= 0/],
    [() => http.request(fx.url('/'), { body: 12 }), TypeError, /options\.body must be/],
    [() => http.request(fx.url('/'), { headers: 'x' }), TypeError, /options\.headers must be/],
    [() => http.request(fx.url('/'), { headers: { 'X-A': 'a\r\nX-B: b' } }), TypeError, /CR, LF or NUL/],
    [() => http.request(fx.url('/'), { nope: 1 }), TypeError, /unknown option "nope"/],
    [() => http.request(fx.url('/'), { signal: {} }), TypeError, /AbortSignal/],
    [() => http.request(fx.url('/'), { httpVersion: '4' }), TypeError, /httpVersion/],
    [() => oneloop.sleep('1'), TypeError, /ms must be a finite number/],
    [() => oneloop.sleep(-5), RangeError, /ms must be >= 0/],
  ];
  for (const [fn, Kind, message] of cases) {
    await assert.rejects(fn(), (err) => err instanceof Kind && message.test(err.message));
  }
  assert.throws(() => http.requestSync(undefined), TypeError);
  assert.equal(oneloop.stats().submitted, before);
});

test('C15 the native layer rejects bad input itself (TypeError, no crash)', async () => {
  const { binding } = await import('../lib/load.js').then((m) => m.default);
  assert.throws(() => binding.httpRequest(1), TypeError);
  assert.throws(() => binding.httpRequest('http://x/', 5), /method must be a string/);
  assert.throws(() => binding.httpRequest('http://x/', 'GET', 'h'), /headers must be an array/);
  assert.throws(() => binding.httpRequest('http://x/', 'GET', [], 'body'), /Uint8Array/);
  assert.throws(() => binding.httpRequest('http://x/', 'GET', [], null, [999999, 1]), /option 999999/);
  assert.throws(() => binding.httpRequest('http://x/', 'GET', [], null, [111, -1]), TypeError);
  assert.throws(() => binding.httpRequest('http://x\0y/'), /without NUL/);
  assert.throws(() => binding.sleep(1.5), /integer/);
  assert.throws(() => binding.cancel('x'), TypeError);
  assert.throws(() => binding.streamNext(123456), /stream is closed/);
});
