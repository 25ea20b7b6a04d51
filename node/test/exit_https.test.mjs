// C23 with TLS (issue 13.1): process.exit() with 300 HTTPS requests in flight never crashes, in
// the main thread and in a worker. The crash was a race (OpenSSL's exit cleanup under a TLS
// handshake on the executor thread), so each case runs its child 20 times with a random
// 0-40 ms pause before exiting. A worker's process.exit ends only that worker: the executor
// must go on serving the main thread and other workers. nginx runs on loopback with
// certificates made by tests/nginx/start_nginx.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const INDEX = new URL('../index.js', import.meta.url).pathname;
const START_NGINX = new URL('../../tests/nginx/start_nginx.sh', import.meta.url).pathname;
const RUNS = 20;
let dir, nginx, port, caFile;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    }).on('error', reject);
  });
}

function accepts(p) {
  return new Promise((resolve) => {
    const c = net.connect(p, '127.0.0.1', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oneloop-nginx-'));
  port = await freePort();
  caFile = path.join(dir, 'ca.crt');
  nginx = spawn('sh', [START_NGINX, dir, String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 1500 && !(await accepts(port)); i++) {
    assert.equal(nginx.exitCode, null, 'nginx exited early; is nginx-light installed?');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(await accepts(port), 'nginx did not start listening');
});

after(() => {
  nginx.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

// Submits 300 HTTPS GETs (half trusting the test CA, half the system bundle) and 20 sleeps.
const SUBMIT_MIX = `
  function submitMix(o, port, caFile) {
    const url = 'https://localhost:' + port + '/hello.txt';
    for (let i = 0; i < 300; i++) o.http.get(url, i % 2 ? { caFile } : {}).catch(() => {});
    for (let i = 0; i < 20; i++) o.sleep(Math.floor(Math.random() * 60)).catch(() => {});
  }
`;

function runChild(source) {
  return spawnSync(process.execPath, ['-e', SUBMIT_MIX + source, INDEX, String(port), caFile],
    { encoding: 'utf8', timeout: 60000 });
}

function assertEveryRunClean(source, checkStdout) {
  const failed = [];
  for (let i = 0; i < RUNS; i++) {
    const r = runChild(source);
    if (r.signal !== null || r.status !== 0 || (checkStdout && !checkStdout(r.stdout))) {
      failed.push({ run: i, signal: r.signal, status: r.status, stdout: r.stdout, stderr: r.stderr.slice(-300) });
    }
  }
  assert.deepEqual(failed, [], `${failed.length} of ${RUNS} runs failed`);
}

test('C23 process.exit() in the main thread with 300 HTTPS requests in flight never crashes', () => {
  assertEveryRunClean(`
    const o = require(process.argv[1]);
    const [port, caFile] = [Number(process.argv[2]), process.argv[3]];
    submitMix(o, port, caFile);
    setTimeout(() => process.exit(0), Math.floor(Math.random() * 41));
  `);
});

test('C23 process.exit() in a worker with 300 HTTPS requests in flight ends only that worker', () => {
  // The worker exits mid-handshakes; then the main thread and a second worker still get HTTPS
  // answers from the same executor, and the process ends normally.
  assertEveryRunClean(`
    const o = require(process.argv[1]);
    const { Worker } = require('worker_threads');
    const [port, caFile] = [Number(process.argv[2]), process.argv[3]];
    const url = 'https://localhost:' + port + '/hello.txt';
    const exiting = 'const o = require(' + JSON.stringify(process.argv[1]) + ');' +
      ${JSON.stringify(SUBMIT_MIX)} +
      'const { workerData: d } = require("worker_threads");' +
      'submitMix(o, d.port, d.caFile);' +
      'setTimeout(() => process.exit(0), Math.floor(Math.random() * 41));';
    const fetching = 'const o = require(' + JSON.stringify(process.argv[1]) + ');' +
      'const { parentPort, workerData: d } = require("worker_threads");' +
      'o.http.get(d.url, { caFile: d.caFile }).then((r) => parentPort.postMessage(r.status));';
    new Worker(exiting, { eval: true, workerData: { port, caFile } }).on('exit', async (code) => {
      const main = await o.http.get(url, { caFile });
      new Worker(fetching, { eval: true, workerData: { url, caFile } }).on('message', (status) => {
        console.log(JSON.stringify({ code, main: main.status, worker: status }));
      });
    });
  `, (stdout) => stdout.trim() === JSON.stringify({ code: 0, main: 200, worker: 200 }));
});
