'use strict';
// `npm install` in node/: builds oneloop.node with CMake (node/CMakeLists.txt standalone) against
// Node's installed headers (no header download, unlike node-gyp/cmake-js) and the core's
// liboneloop.so in ONELOOP_BUILD_DIR (default: <repo>/build). Output: node/build/oneloop.node.
// The repository's tests and benchmark use the top-level build's addon instead (`make build`).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const coreBuild = path.resolve(process.env.ONELOOP_BUILD_DIR || path.join(here, '..', 'build'));
const out = path.join(here, 'build');
const run = (args) => execFileSync('cmake', args, { stdio: ['ignore', 'inherit', 'inherit'] });

run(['-S', here, '-B', out, `-DONELOOP_BUILD_DIR=${coreBuild}`, '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
run(['--build', out, '-j2']);
console.log(`oneloop: built ${path.join(out, 'oneloop.node')}`);
