// Type definitions for oneloop (Node-API addon over liboneloop).

/// <reference types="node" />

export type HttpVersion = 'any' | '1.0' | '1.1' | '2' | '2-tls' | '2-prior-knowledge';

export type HeadersInit =
  | Record<string, string | number | ReadonlyArray<string | number>>
  | Iterable<readonly [string, string | number | ReadonlyArray<string | number>]>;

export type BodyInit = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface RequestOptions {
  /** HTTP method (a token); default GET, or POST when a body is given. */
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  /** Serialised with JSON.stringify; sets Content-Type: application/json unless given. */
  json?: unknown;
  /** Cancels the job; the promise rejects with signal.reason. Not for the *Sync variants. */
  signal?: AbortSignal;
  /** Whole transfer, in ms (default 0 = none). */
  timeout?: number;
  /** Connection phase, in ms (default 10000; 0 = no limit). */
  connectTimeout?: number;
  /** Longest wait for the next received byte, in ms (default 300000; 0 = no limit). Time a
   *  stream is held paused by its reader (buffer full) does not count. */
  idleTimeout?: number;
  lowSpeedLimit?: number;
  lowSpeedTime?: number;
  /** Off by default. true = up to 20; a number = that many at most. */
  followRedirects?: boolean | number;
  /** Default true. */
  verifyPeer?: boolean;
  /** Default true. */
  verifyHost?: boolean;
  /** PEM bundle of trusted CAs. */
  caFile?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  clientKeyPassword?: string;
  httpVersion?: HttpVersion;
  /** Ask for and decode gzip, deflate, br; default false (the body as received). Decoding
   *  follows the reader's pace; a br window over 4 MiB fails with OL_EPROTO. */
  decompress?: boolean;
  /** Proxy URL; "" = no proxy. */
  proxy?: string;
  /** A bigger body (decoded bytes with decompress) fails with OL_ETOOLARGE; default 0 = no limit. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** Allowed schemes, default "http,https". */
  protocols?: string;
  /** Schemes a redirect may go to, "http,https" by default whatever `protocols` allows. */
  redirectProtocols?: string;
  /** "user:password", never sent to another host. */
  basicAuth?: string;
}

export type SyncRequestOptions = Omit<RequestOptions, 'signal'>;

/** Ordered, multi-valued, case-insensitive. */
export class ResponseHeaders implements Iterable<[string, string]> {
  /** The first value, or null. */
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string): boolean;
  readonly size: number;
  entries(): IterableIterator<[string, string]>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  /** Lower-case names; repeated headers joined with ", ". */
  toJSON(): Record<string, string>;
}

export class ResponseHead {
  readonly status: number;
  readonly ok: boolean;
  /** "1.0", "1.1", "2" or "3". */
  readonly httpVersion: string;
  /** The effective URL (after redirects). */
  readonly url: string;
  readonly headers: ResponseHeaders;
}

export class Response extends ResponseHead {
  readonly body: Buffer;
  /** Synchronous: the body is already in memory (awaiting it works too). */
  text(encoding?: BufferEncoding): string;
  json<T = any>(): T;
  arrayBuffer(): ArrayBuffer;
}

export class BodyStream implements AsyncIterable<Buffer>, Iterable<Buffer> {
  readonly closed: boolean;
  /** Bytes received and not read yet; bounded (the transfer pauses at 1 MiB). */
  readonly buffered: number;
  /** Aborts the transfer if still running and frees buffered chunks. Idempotent. */
  close(): void;
  buffer(): Promise<Buffer>;
  /** Blocks the calling thread (meant for worker threads). */
  bufferSync(): Buffer;
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** Blocking iteration (meant for worker threads). */
  [Symbol.iterator](): Iterator<Buffer>;
}

export class StreamResponse extends ResponseHead {
  readonly body: BodyStream;
}

export class OneloopError extends Error {
  /** The negative OL_E* status of oneloop/common.h. */
  readonly errno: number;
  /** e.g. "OL_ECONNREFUSED", "OL_ETIMEDOUT", "OL_ETLS". */
  readonly code: string;
}

export interface Http {
  /** Defaults of options left unset, in ms. */
  readonly defaults: { readonly connectTimeout: number; readonly idleTimeout: number };
  request(url: string | URL, options?: RequestOptions): Promise<Response>;
  get(url: string | URL, options?: RequestOptions): Promise<Response>;
  post(url: string | URL, body?: BodyInit, options?: RequestOptions): Promise<Response>;
  /** Resolves with the head; the body streams with back-pressure. */
  stream(url: string | URL, options?: RequestOptions): Promise<StreamResponse>;
  /** Blocking variants: block only the calling thread (use them in worker threads). */
  requestSync(url: string | URL, options?: SyncRequestOptions): Response;
  getSync(url: string | URL, options?: SyncRequestOptions): Response;
  postSync(url: string | URL, body?: BodyInit, options?: SyncRequestOptions): Response;
  streamSync(url: string | URL, options?: SyncRequestOptions): StreamResponse;
}

export interface Stats {
  /** Process-wide counters of the shared executor. */
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  inFlight: number;
  queueDepth: number;
  httpConnections: number;
  /** Jobs of this thread not delivered yet. */
  envInFlight: number;
  /** Outcomes delivered to this thread, and the wakeups that carried them (batching). */
  envDelivered: number;
  envWakeups: number;
}

export const http: Http;
export function sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>;
export function sleepSync(ms: number): void;
export function stats(): Stats;
export const version: string;
export const addonPath: string;
