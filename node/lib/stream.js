'use strict';
// Streaming responses: the head first, then the body as Buffers, pulled on demand (the
// transfer pauses when the consumer falls behind). Async iteration anywhere; sync iteration
// (blocking only the calling thread) for worker threads.
const { binding, track } = require('./dispatch');
const { ResponseHead } = require('./response');

// Closes streams that were dropped without being read to the end or closed.
const abandoned = new FinalizationRegistry((id) => binding.streamClose(id));

const ITEM = 0;
const END = 1;

class BodyStream {
  #id;
  #closed = false;
  #reading = false;
  #signal;
  #onAbort = null;
  constructor(id, signal) {
    this.#id = id;
    this.#signal = signal;
    abandoned.register(this, id, this);
    if (signal) {
      this.#onAbort = () => this.close();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get closed() {
    return this.#closed;
  }

  // Bytes received and not yet read (bounded: the transfer pauses at the channel capacity).
  get buffered() {
    return this.#closed ? 0 : binding.streamBuffered(this.#id);
  }

  // Stop the transfer (if still running) and free what is buffered. Idempotent.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    abandoned.unregister(this);
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    binding.streamClose(this.#id);
  }

  #checkOpen() {
    if (this.#signal?.aborted) throw this.#signal.reason;
    if (this.#closed) throw new Error('oneloop: the stream is closed');
    if (this.#reading) throw new Error('oneloop: another read of this stream is pending');
  }

  #finish(item) {
    if (item === null) this.close();
    return item;
  }

  // The next item (a head record, a Buffer), or null at the end. Errors close the stream.
  async readRaw() {
    this.#checkOpen();
    this.#reading = true;
    try {
      for (;;) {
        const r = binding.streamNext(this.#id);
        if (r[0] === ITEM) return r[1];
        if (r[0] === END) return this.#finish(null);
        // Nothing buffered: the executor calls back once something is (no thread waits for
        // it), or the stream was closed meanwhile; either way, ask again.
        await track(r[1], this.#signal, { raw: true });
      }
    } catch (err) {
      this.close();
      throw err;
    } finally {
      this.#reading = false;
    }
  }

  readRawSync() {
    this.#checkOpen();
    try {
      const r = binding.streamNextSync(this.#id);
      return r[0] === ITEM ? r[1] : this.#finish(null);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  [Symbol.asyncIterator]() {
    return bodyIterator(this);
  }

  *[Symbol.iterator]() {
    try {
      for (let chunk; (chunk = this.readRawSync()) !== null;) yield chunk;
    } finally {
      this.close();
    }
  }

  async buffer() {
    const parts = [];
    for await (const chunk of this) parts.push(chunk);
    return Buffer.concat(parts);
  }

  bufferSync() {
    const parts = [];
    for (const chunk of this) parts.push(chunk);
    return Buffer.concat(parts);
  }
}

// Not an async generator: a generator queues return() behind a read still waiting for a chunk
// (on a stalled stream, for ever), while this one closes at once (break / return / throw inside
// for-await aborts the transfer), and the waiting read then just ends. Reads queue in order.
function bodyIterator(body) {
  const finished = { done: true, value: undefined };
  let done = false;
  let tail = Promise.resolve();
  const step = async () => {
    if (done) return finished;
    try {
      const chunk = await body.readRaw(); // closes the stream at the end and on error
      if (chunk !== null) return { done: false, value: chunk };
    } catch (err) {
      if (!done) { // not ended by return()
        done = true;
        throw err;
      }
    }
    done = true;
    return finished;
  };
  const iterator = {
    next() {
      const p = tail.then(step);
      tail = p.catch(() => {});
      return p;
    },
    async return(value) {
      done = true;
      body.close();
      return { done: true, value };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

class StreamResponse extends ResponseHead {
  constructor(rec, body) {
    super(rec);
    this.body = body;
  }
}

function headOrThrow(rec, body) {
  if (!Array.isArray(rec)) {
    body.close();
    throw new Error('oneloop: the stream ended before the response head');
  }
  return new StreamResponse(rec, body);
}

async function openStream(args, signal) {
  if (signal?.aborted) throw signal.reason;
  const body = new BodyStream(binding.streamOpen(...args), signal);
  return headOrThrow(await body.readRaw(), body);
}

function openStreamSync(args) {
  const body = new BodyStream(binding.streamOpen(...args));
  return headOrThrow(body.readRawSync(), body);
}

module.exports = { openStream, openStreamSync, BodyStream, StreamResponse };
