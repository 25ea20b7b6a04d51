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
  // ONELOOP_NO_DEEPBIND=1 is for sanitizer runs only (ASan refuses RTLD_DEEPBIND); without
  // DEEPBIND, HTTPS and libuv bind to Node's copies (see README.md).
  const deep = process.env.ONELOOP_NO_DEEPBIND === '1' ? 0 : (RTLD_DEEPBIND || 0);
  const mod = { exports: {} };
  process.dlopen(mod, path.resolve(file), RTLD_NOW | deep);
  return { binding: mod.exports, file: path.resolve(file) };
}

module.exports = loadAddon();
