'use strict';
// Validates request(url, options) and turns it into the addon's arguments:
//   [url, method, ["Name: value", ...], body Uint8Array, [OL_HTTP_* key, value, ...]]
// Bad input throws a TypeError (or RangeError) naming the option; nothing is submitted.

// OL_HTTP_* keys of core/include/oneloop/http.h, by option name and value kind. 0 means "no
// limit" for every timeout and limit.
const NATIVE_OPTIONS = {
  connectTimeout: [110, 'ms'],
  timeout: [111, 'ms'],
  lowSpeedLimit: [112, 'count'],
  lowSpeedTime: [113, 'count'],
  idleTimeout: [114, 'ms'],
  followRedirects: [120, 'redirects'],
  redirectProtocols: [121, 'string'],
  verifyPeer: [130, 'bool'],
  verifyHost: [131, 'bool'],
  caFile: [132, 'string'],
  caPath: [133, 'string'],
  clientCert: [134, 'string'],
  clientKey: [135, 'string'],
  clientKeyPassword: [136, 'string'],
  httpVersion: [140, 'version'],
  decompress: [141, 'bool'],
  proxy: [142, 'string'],
  maxResponseBytes: [143, 'count'],
  userAgent: [144, 'string'],
  protocols: [145, 'string'],
  basicAuth: [146, 'string'],
};
const NATIVE_ENTRIES = Object.entries(NATIVE_OPTIONS);
// The core's defaults (OL_HTTP_DEFAULT_*_MS in http.h), in ms, for options left unset.
const DEFAULTS = Object.freeze({ connectTimeout: 10000, idleTimeout: 300000 });
const JS_OPTIONS = new Set(['method', 'headers', 'body', 'json', 'signal']);
const HTTP_VERSIONS = { any: 0, '1.0': 10, '1.1': 11, '2': 20, '2-tls': 21, '2-prior-knowledge': 22 };
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE_CHARS = /[\r\n\0]/;

function fail(message, Kind = TypeError) {
  const err = new Kind(message);
  err.code = Kind === RangeError ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE';
  throw err;
}

// URLs already parsed successfully: parsing costs about as much as the rest of a request's
// JS work, and programs reuse a few URLs many times.
const validUrls = new Set();
const VALID_URLS_MAX = 1024;

function checkUrl(url) {
  if (url instanceof URL) return url.href;
  if (typeof url !== 'string') fail(`url must be a string or a URL, got ${describe(url)}`);
  if (validUrls.has(url)) return url;
  try {
    new URL(url);
  } catch {
    fail(`url is not a valid absolute URL: ${JSON.stringify(url)}`);
  }
  if (validUrls.size >= VALID_URLS_MAX) validUrls.clear();
  validUrls.add(url);
  return url;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an instance of ${v.constructor?.name || 'Object'}` : `${typeof v} ${String(v)}`;
}

function nonNegativeInt(name, v, unit) {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`options.${name} must be a finite number${unit}, got ${describe(v)}`);
  if (v < 0) fail(`options.${name} must be >= 0, got ${v}`, RangeError);
  return Math.ceil(v);
}

function nativeValue(name, kind, v) {
  switch (kind) {
    case 'ms': return nonNegativeInt(name, v, ' of milliseconds');
    case 'count': return nonNegativeInt(name, v, '');
    case 'bool':
      if (typeof v !== 'boolean') fail(`options.${name} must be a boolean, got ${describe(v)}`);
      return v ? 1 : 0;
    case 'redirects':
      if (typeof v === 'boolean') return v ? 20 : 0;
      return nonNegativeInt(name, v, ' (maximum redirects) or a boolean');
    case 'version':
      if (!Object.hasOwn(HTTP_VERSIONS, String(v))) {
        fail(`options.${name} must be one of ${Object.keys(HTTP_VERSIONS).join(', ')}, got ${describe(v)}`);
      }
      return HTTP_VERSIONS[String(v)];
    default:
      if (typeof v !== 'string' || v.includes('\0')) fail(`options.${name} must be a string without NUL, got ${describe(v)}`);
      return v;
  }
}

function headerLines(headers) {
  if (headers === undefined || headers === null) return [];
  let pairs;
  if (Array.isArray(headers)) pairs = headers;
  else if (typeof headers === 'object' && typeof headers[Symbol.iterator] === 'function' && !(headers instanceof String)) pairs = [...headers];
  else if (typeof headers === 'object') pairs = Object.entries(headers);
  else fail(`options.headers must be an object, a Map, a Headers or an array of [name, value], got ${describe(headers)}`);
  const lines = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) fail('options.headers entries must be [name, value] pairs');
    const [name, value] = pair;
    if (typeof name !== 'string' || !TOKEN.test(name)) fail(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      if (typeof one !== 'string' && typeof one !== 'number') fail(`header ${name} must have a string value, got ${describe(one)}`);
      const text = String(one);
      if (BAD_VALUE_CHARS.test(text)) fail(`header ${name} contains CR, LF or NUL`);
      lines.push(`${name}: ${text}`);
    }
  }
  return lines;
}

function bodyBytes(body) {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return fail(`options.body must be a string, Buffer, Uint8Array, ArrayBuffer or ArrayBufferView, got ${describe(body)}`);
}

function hasHeader(lines, name) {
  const prefix = `${name.toLowerCase()}:`;
  return lines.some((l) => l.toLowerCase().startsWith(prefix));
}

// -> { args: [url, method, headers, body, nativeOptions], signal }
function requestArgs(url, options) {
  const href = checkUrl(url);
  if (options === undefined || options === null) {
    return { args: [href, undefined, undefined, undefined, undefined], signal: undefined };
  }
  if (typeof options !== 'object' || Array.isArray(options)) fail(`options must be an object, got ${describe(options)}`);
  let known = 0;
  for (const key in options) {
    if (!JS_OPTIONS.has(key) && !Object.hasOwn(NATIVE_OPTIONS, key)) fail(`unknown option ${JSON.stringify(key)}`);
    known++;
  }
  if (known === 0) return { args: [href, undefined, undefined, undefined, undefined], signal: undefined };
  let method;
  if (options.method !== undefined) {
    if (typeof options.method !== 'string' || !TOKEN.test(options.method)) fail(`options.method must be an HTTP token such as "GET", got ${describe(options.method)}`);
    method = options.method.toUpperCase();
  }
  const headers = headerLines(options.headers);
  let body = bodyBytes(options.body);
  if (options.json !== undefined) {
    if (body !== undefined) fail('options.body and options.json are exclusive');
    body = Buffer.from(JSON.stringify(options.json), 'utf8');
    if (!hasHeader(headers, 'content-type')) headers.push('Content-Type: application/json');
  }
  if (body !== undefined && method === undefined) method = 'POST';
  const native = [];
  for (const [name, [key, kind]] of NATIVE_ENTRIES) {
    if (options[name] !== undefined) native.push(key, nativeValue(name, kind, options[name]));
  }
  return {
    args: [href, method, headers.length ? headers : undefined, body, native.length ? native : undefined],
    signal: options.signal,
  };
}

module.exports = { requestArgs, DEFAULTS };
