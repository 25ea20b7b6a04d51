// C23: the process exits with jobs in flight (main thread and workers): no crash, no hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const INDEX = new URL('../index.js', import.meta.url).pathname;

function runChild(source) {
  return spawnSync(process.execPath, ['-e', source, INDEX], { encoding: 'utf8', timeout: 60000 });
}

// A server that accepts and never answers, so requests stay in flight.
const SILENT_SERVER = `
  const net = require('net');
  const srv = net.createServer(() => {}).listen(0, '127.0.0.1');
  srv.unref();
`;

test('C23 process.exit() with sleeps and requests in flight exits cleanly', () => {
  const r = runChild(`
    const o = require(process.argv[1]);
    ${SILENT_SERVER}
    srv.on('listening', () => {
      const url = 'http://127.0.0.1:' + srv.address().port + '/';
      for (let i = 0; i < 50; i++) { o.http.get(url).catch(() => {}); o.sleep(60000).catch(() => {}); }
      o.sleep(20).then(() => process.exit(0));
    });
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('C23 process.exit() while workers have requests in flight and one is blocked in requestSync', () => {
  const r = runChild(`
    const o = require(process.argv[1]);
    const { Worker } = require('worker_threads');
    ${SILENT_SERVER}
    srv.on('listening', () => {
      const url = 'http://127.0.0.1:' + srv.address().port + '/';
      const src = 'const o = require(' + JSON.stringify(process.argv[1]) + ');' +
        'const { parentPort, workerData } = require("worker_threads");' +
        'for (let i = 0; i < 20; i++) o.http.get(workerData).catch(() => {});' +
        'parentPort.postMessage("go"); o.http.requestSync(workerData);';
      let ready = 0;
      for (let i = 0; i < 3; i++) {
        new Worker(src, { eval: true, workerData: url }).on('message', () => {
          if (++ready === 3) o.sleep(50).then(() => process.exit(0));
        });
      }
    });
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('C23 a worker that finishes on its own with requests still in flight ends cleanly', () => {
  const r = runChild(`
    const o = require(process.argv[1]);
    const { Worker } = require('worker_threads');
    ${SILENT_SERVER}
    srv.on('listening', () => {
      const url = 'http://127.0.0.1:' + srv.address().port + '/';
      const src = 'const o = require(' + JSON.stringify(process.argv[1]) + ');' +
        'const { workerData } = require("worker_threads");' +
        'for (let i = 0; i < 20; i++) o.http.get(workerData).catch(() => {});' +
        'setTimeout(() => process.exit(0), 30);'; // worker-level exit: its env is torn down
      const w = new Worker(src, { eval: true, workerData: url });
      w.on('exit', (code) => {
        const s = o.stats();
        console.log(JSON.stringify({ code, inFlight: s.inFlight }));
      });
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  const { code, inFlight } = JSON.parse(r.stdout.trim());
  assert.equal(code, 0);
  assert.equal(inFlight, 0, 'the worker\'s jobs were cancelled at teardown');
});
