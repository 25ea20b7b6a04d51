'use strict';
// Response objects built from the addon's records:
//   [status, httpVersion (10, 11, 20, 30), effectiveUrl, [name, value, ...], body Buffer]

const VERSION_NAMES = { 10: '1.0', 11: '1.1', 20: '2', 30: '3' };

// Response headers: ordered as received, multi-valued, case-insensitive lookup.
class ResponseHeaders {
  #flat;
  constructor(flat) {
    this.#flat = flat;
  }
  // First value of the header, or null (like the C API's ol_response_header).
  get(name) {
    const want = String(name).toLowerCase();
    const flat = this.#flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i].toLowerCase() === want) return flat[i + 1];
    return null;
  }
  getAll(name) {
    const want = String(name).toLowerCase();
    const out = [];
    const flat = this.#flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i].toLowerCase() === want) out.push(flat[i + 1]);
    return out;
  }
  has(name) {
    return this.get(name) !== null;
  }
  get size() {
    return this.#flat.length / 2;
  }
  *entries() {
    const flat = this.#flat;
    for (let i = 0; i < flat.length; i += 2) yield [flat[i], flat[i + 1]];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  // { lower-case name: value, joined with ", " when repeated }
  toJSON() {
    const out = {};
    for (const [name, value] of this) {
      const key = name.toLowerCase();
      out[key] = key in out ? `${out[key]}, ${value}` : value;
    }
    return out;
  }
}

class ResponseHead {
  constructor(rec) {
    this.status = rec[0];
    this.httpVersion = VERSION_NAMES[rec[1]] || String(rec[1]);
    this.url = rec[2];
    this.headers = new ResponseHeaders(rec[3]);
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
}

// A complete response: the body is already in memory, so text() and json() return values
// directly (awaiting them, as with fetch, works too).
class Response extends ResponseHead {
  constructor(rec) {
    super(rec);
    this.body = rec[4];
  }
  text(encoding = 'utf8') {
    return this.body.toString(encoding);
  }
  json() {
    return JSON.parse(this.body.toString('utf8'));
  }
  arrayBuffer() {
    const b = this.body;
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
}

module.exports = { Response, ResponseHead, ResponseHeaders };
