'use strict';
// oneloop.http: requests run on the process-wide executor, shared by every worker thread.
const { binding, track, checkSignal } = require('./dispatch');
const { requestArgs, DEFAULTS } = require('./options');
const { Response } = require('./response');
const { openStream, openStreamSync } = require('./stream');

function prepare(url, options) {
  const { args, signal } = requestArgs(url, options);
  return { args, signal: checkSignal(signal) };
}

async function request(url, options) {
  const { args, signal } = prepare(url, options);
  if (signal?.aborted) throw signal.reason; // nothing submitted
  return new Response(await track(binding.httpRequest(...args), signal));
}

// The *Sync calls block this thread: nothing could act on an abort meanwhile.
function prepareSync(url, options, name) {
  const { args, signal } = prepare(url, options);
  if (signal !== undefined) throw new TypeError(`options.signal is not supported by ${name} (the call blocks this thread)`);
  return args;
}

function requestSync(url, options) {
  return new Response(binding.httpRequestSync(...prepareSync(url, options, 'requestSync')));
}

function withMethod(method, options) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new TypeError('options must be an object');
  }
  return { ...options, method };
}

function withBody(method, body, options) {
  const o = withMethod(method, options);
  if (body !== undefined) o.body = body;
  return o;
}

module.exports = {
  /** Defaults of options left unset: connectTimeout 10 s, idleTimeout 300 s (ms). */
  defaults: DEFAULTS,
  request,
  get: (url, options) => request(url, options === undefined ? undefined : withMethod('GET', options)),
  post: (url, body, options) => request(url, withBody('POST', body, options)),
  requestSync,
  getSync: (url, options) => requestSync(url, options === undefined ? undefined : withMethod('GET', options)),
  postSync: (url, body, options) => requestSync(url, withBody('POST', body, options)),
  stream: (url, options) => {
    const { args, signal } = prepare(url, options);
    return openStream(args, signal);
  },
  streamSync: (url, options) => openStreamSync(prepareSync(url, options, 'streamSync')),
};
