'use strict';
// oneloop for Node.js: one native executor and one connection pool per process, shared by the
// main thread and every worker thread. Promise APIs for async code, blocking ones for workers.
const { binding, track, checkSignal } = require('./lib/dispatch');
const { file } = require('./lib/load');
const { OneloopError } = require('./lib/errors');
const { Response, ResponseHead, ResponseHeaders } = require('./lib/response');
const { BodyStream, StreamResponse } = require('./lib/stream');
const http = require('./lib/http');

function checkMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`ms must be a finite number, got ${typeof ms}`);
  if (ms < 0) throw new RangeError(`ms must be >= 0, got ${ms}`);
  return Math.ceil(ms);
}

// Resolves after ms milliseconds, timed on the executor thread.
async function sleep(ms, options = {}) {
  const n = checkMs(ms);
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const signal = checkSignal(options.signal);
  if (signal?.aborted) throw signal.reason;
  await track(binding.sleep(n), signal);
}

// Blocks the calling thread (meant for worker threads) for ms milliseconds.
function sleepSync(ms) {
  binding.sleepSync(checkMs(ms));
}

// Counters of the process-wide executor (shared by all threads), plus this thread's in-flight.
function stats() {
  return binding.stats();
}

module.exports = {
  http,
  sleep,
  sleepSync,
  stats,
  version: binding.version,
  addonPath: file,
  OneloopError,
  Response,
  ResponseHead,
  ResponseHeaders,
  StreamResponse,
  BodyStream,
};
