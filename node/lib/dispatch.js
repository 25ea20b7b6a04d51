'use strict';
// Maps native op ids to promises. The addon calls dispatch(id, status, value) on this thread
// when a job settles; status 0 means success (value is the result), else value is the message.
const { binding } = require('./load');
const { makeError } = require('./errors');

const pending = new Map();

function dispatch(id, status, value) {
  const entry = pending.get(id);
  if (entry === undefined) return; // aborted already: the late outcome is dropped
  pending.delete(id);
  if (entry.cleanup) entry.cleanup();
  if (entry.raw) entry.resolve([status, value]);
  else if (status === 0) entry.resolve(value);
  else entry.reject(makeError(status, value));
}

binding.init(dispatch, makeError);

function checkSignal(signal) {
  if (signal === undefined || signal === null) return undefined;
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function') {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  return signal;
}

// A promise for native op `id`. On abort: cancel the job, reject with signal.reason at once.
function track(id, signal, { raw = false, onAbort } = {}) {
  return new Promise((resolve, reject) => {
    const entry = { resolve, reject, raw, cleanup: null };
    pending.set(id, entry);
    if (!signal) return;
    const abort = () => {
      if (pending.get(id) !== entry) return;
      pending.delete(id);
      binding.cancel(id);
      if (onAbort) onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    entry.cleanup = () => signal.removeEventListener('abort', abort);
  });
}

module.exports = { binding, track, checkSignal };
