// TLS inside Node, and which libuv / OpenSSL oneloop really uses (README.md "Why RTLD_DEEPBIND").
// The server is Node's own https module with a self-signed certificate made by the openssl CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import oneloop from '../index.js';

let dir, server, port, caFile;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oneloop-tls-'));
  caFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile,
    '-out', caFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
  { stdio: 'ignore' });
  server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) },
    (req, res) => res.end(`hello tls ${req.url}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = server.address().port;
});

after(async () => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// localhost may resolve to ::1 first; curl falls back to 127.0.0.1, where the server listens.
const url = (p = '/') => `https://localhost:${port}${p}`;

test('C18 HTTPS with a custom CA passes (main thread)', async () => {
  const r = await oneloop.http.get(url('/main'), { caFile });
  assert.equal(r.status, 200);
  assert.equal(r.text(), 'hello tls /main');
});

test('C18 verification is on by default: a self-signed server fails with OL_ETLS', async () => {
  await assert.rejects(oneloop.http.get(url()), { code: 'OL_ETLS' });
});

test('C18 wrong host name fails with OL_ETLS even with the CA', async () => {
  await assert.rejects(oneloop.http.get(`https://127.0.0.1:${port}/`, { caFile }), { code: 'OL_ETLS' });
});

test('C18 HTTPS works inside a worker thread (async and sync)', async () => {
  const w = new Worker(new URL('./support/worker.cjs', import.meta.url),
    { workerData: { scenario: 'https', url: url('/worker'), caFile } });
  const [msg] = await once(w, 'message');
  assert.equal(msg.error, undefined, JSON.stringify(msg.error));
  assert.deepEqual(msg.result, { status: 200, text: 'hello tls /worker', syncStatus: 200 });
});

test('the process maps the system libuv and OpenSSL that liboneloop links', () => {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  for (const lib of ['liboneloop.so', 'libuv.so.1', 'libcurl.so.4', 'libssl.so.3', 'libcrypto.so.3']) {
    assert.ok(maps.includes(lib), `${lib} is not mapped`);
  }
});

// Who does each call bind to? LD_DEBUG=bindings in a child process that loads the addon.
function bindings(flagsExpr) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'oneloop-ld-'));
  const script = `process.dlopen({ exports: {} }, ${JSON.stringify(oneloop.addonPath)}, ${flagsExpr})`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, LD_DEBUG: 'bindings', LD_DEBUG_OUTPUT: path.join(out, 'ld') },
    encoding: 'utf8', timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  const text = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('');
  fs.rmSync(out, { recursive: true, force: true });
  // "binding file <from> [0] to <to> [0]: normal symbol `name'"
  return [...text.matchAll(/binding file (\S+) \[\d+\] to (\S+) \[\d+\]: \S+ symbol `([^']+)'/g)]
    .map(([, from, to, sym]) => ({ from: path.basename(from), to: path.basename(to), sym }));
}

test('with RTLD_DEEPBIND (what index.js does) libuv and OpenSSL calls bind to the system libraries', () => {
  const b = bindings('require("os").constants.dlopen.RTLD_NOW | require("os").constants.dlopen.RTLD_DEEPBIND');
  const uv = b.filter((x) => x.from.startsWith('liboneloop.so') && x.sym.startsWith('uv_'));
  const ssl = b.filter((x) => x.from.startsWith('libcurl.so') && /^(SSL|EVP|X509)_/.test(x.sym));
  assert.ok(uv.length > 10 && ssl.length > 10, `uv ${uv.length}, ssl ${ssl.length}`);
  for (const x of uv) assert.equal(x.to, 'libuv.so.1', `${x.sym} bound to ${x.to}`);
  for (const x of ssl) assert.match(x.to, /^lib(ssl|crypto)\.so\.3$/, `${x.sym} bound to ${x.to}`);
  // The addon itself still gets Node-API from node.
  assert.ok(b.some((x) => x.from === 'oneloop.node' && x.sym.startsWith('napi_') && x.to === 'node'));
});

test('control: without RTLD_DEEPBIND they would bind to the copies inside the node binary', () => {
  const b = bindings('require("os").constants.dlopen.RTLD_NOW');
  assert.ok(b.some((x) => x.from.startsWith('liboneloop.so') && x.sym.startsWith('uv_') && x.to === 'node'));
  assert.ok(b.some((x) => x.from.startsWith('libcurl.so') && x.sym.startsWith('SSL_') && x.to === 'node'));
});
