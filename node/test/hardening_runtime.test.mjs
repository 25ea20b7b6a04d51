// Issue 13, the core runtime seen from Node: the executor cannot start when the process is out
// of file descriptors (libuv used to abort the process); the call throws a OneloopError and the
// next call tries again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const INDEX = new URL('../index.js', import.meta.url).pathname;

const CHILD = `
  const fs = require('fs');
  const o = require(process.argv[1]);
  const fds = [];
  try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (e) {}
  for (let i = 0; i < Number(process.argv[2]); i++) fs.closeSync(fds.pop());
  let first;
  try { o.sleepSync(1); first = 'started'; } catch (e) { first = 'raised: ' + e.name + ' ' + e.code + ': ' + e.message; }
  for (const fd of fds) fs.closeSync(fd);
  o.sleepSync(1);
  console.log(first);
  console.log('ok');
`;

test('the executor out of file descriptors throws a OneloopError, then starts', () => {
  for (const free of [0, 1, 2, 4]) {
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -n 256 && exec "$0" -e "$1" "$2" "$3"',
      process.execPath, CHILD, INDEX, String(free)], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.signal, null, `${free} free: ${r.stderr}`);
    assert.equal(r.status, 0, `${free} free: ${r.stderr}`);
    const [first, last] = r.stdout.trim().split('\n');
    assert.equal(last, 'ok');
    if (first !== 'started') {
      assert.match(first, /^raised: OneloopError OL_ENOMEM: oneloop: the executor could not start/);
      assert.match(first, /file descriptors/);
    }
  }
});
