'use strict';
// Loads the native addon with RTLD_DEEPBIND: see README.md "Why RTLD_DEEPBIND". The node
// binary exports its own libuv and OpenSSL symbols; without DEEPBIND, liboneloop.so's calls
// into libuv, and libcurl's calls into OpenSSL, would bind to Node's copies instead of the
// system libraries they were built against.
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

function candidates() {
  const list = [];
  if (process.env.ONELOOP_NODE_ADDON) list.push(process.env.ONELOOP_NODE_ADDON);
  list.push(path.join(__dirname, '..', 'build', 'oneloop.node'));
  if (process.env.ONELOOP_BUILD_DIR) list.push(path.join(process.env.ONELOOP_BUILD_DIR, 'node', 'oneloop.node'));
  return list;
}

function loadAddon() {
  const file = candidates().find((p) => fs.existsSync(p));
  if (!file) {
    throw new Error(`oneloop: native addon not found (looked in ${candidates().join(', ')}); run npm install in node/`);
  }
  const { RTLD_NOW, RTLD_DEEPBIND } = os.constants.dlopen;
  const mod = { exports: {} };
  process.dlopen(mod, path.resolve(file), RTLD_NOW | (RTLD_DEEPBIND || 0));
  return { binding: mod.exports, file: path.resolve(file) };
}

module.exports = loadAddon();
