// Issue 13 points 20 and 22: default timeouts, 0 = no limit, the idle timeout, and decoding
// (decompress: true) at the consumer's pace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import oneloop from '../index.js';
import { startFixture } from './support/fixture.mjs';

const { http } = oneloop;
const pattern = (n) => Buffer.from(Array.from({ length: n }, (_, i) => 97 + (i % 26)));
let fx;
before(async () => { fx = await startFixture(); });
after(async () => { await fx.close(); });

// A loopback port whose connects hang: a listener with a full backlog that never accepts
// (drops further SYNs). Node's own servers always accept, so a small python3 helper holds it.
const BLACK_HOLE = `
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
port = l.getsockname()[1]
fill = []
for _ in range(3):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(s)
time.sleep(0.1)
print(port, flush=True)
sys.stdin.read()
`;
async function blackHole() {
  const child = spawn('python3', ['-c', BLACK_HOLE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  const port = Number(String(line).trim());
  return { url: `http://127.0.0.1:${port}/`, close: () => child.stdin.end() };
}

test('defaults are reported (connect 10 s, idle 300 s) and a small connect timeout fires', async () => {
  assert.deepEqual(http.defaults, { connectTimeout: 10000, idleTimeout: 300000 });
  const hole = await blackHole();
  try {
    const t0 = Date.now();
    await assert.rejects(http.get(hole.url, { connectTimeout: 200, timeout: 20000 }), { code: 'OL_ETIMEDOUT' });
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    hole.close();
  }
});

test('0 means no limit for every timeout and limit option', async () => {
  for (const option of ['timeout', 'connectTimeout', 'idleTimeout', 'maxResponseBytes', 'lowSpeedLimit', 'lowSpeedTime']) {
    const r = await http.get(fx.url('/fault/slow-drip?bytes=4&interval=100'), { [option]: 0 });
    assert.equal(r.body.toString(), 'abcd', option);
  }
});

test('the idle timeout fires when the server stops sending', async () => {
  await assert.rejects(http.get(fx.url('/fault/no-answer'), { idleTimeout: 300 }),
    (e) => e.code === 'OL_ETIMEDOUT' && /idle/.test(e.message));
});

test('the idle timeout restarts on every byte', async () => {
  const r = await http.get(fx.url('/fault/slow-drip?bytes=8&interval=100'), { idleTimeout: 600 });
  assert.equal(r.body.toString(), 'abcdefgh');
});

test('the idle timeout does not count while the consumer holds the stream', async () => {
  const size = 4 * 1024 * 1024;
  const s = await http.stream(fx.url(`/bytes/${size}`), { idleTimeout: 300 });
  await delay(1500); // five idle timeouts, with the channel full
  assert.equal((await s.body.buffer()).length, size);
});

test('decompress: gzip, deflate and br bodies byte for byte, buffered and streamed', async () => {
  const codings = ['gzip', 'deflate'];
  if ((await http.get(fx.url('/encoded/br/1'))).status === 200) codings.push('br');
  for (const coding of codings) {
    const u = fx.url(`/encoded/${coding}/300000`);
    assert.ok((await http.get(u, { decompress: true })).body.equals(pattern(300000)), coding);
    const s = await http.stream(u, { decompress: true });
    assert.ok((await s.body.buffer()).equals(pattern(300000)), coding);
  }
});

test('decompress: the size limit counts decoded bytes', async () => {
  await assert.rejects(http.get(fx.url(`/encoded/gzip/${64 << 20}`), { decompress: true, maxResponseBytes: 1 << 20 }),
    { code: 'OL_ETOOLARGE' });
});
