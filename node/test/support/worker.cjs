'use strict';
// Scenarios run inside worker threads by the tests; workerData = { scenario, ... }.
const { parentPort, workerData } = require('node:worker_threads');
const oneloop = require('../../index.js');

const scenarios = {
  // n async requests to url, all at once; reports statuses and the executor counters.
  async requests({ url, n }) {
    const res = await Promise.all(Array.from({ length: n }, () => oneloop.http.get(url)));
    return { statuses: res.map((r) => r.status), bytes: res.reduce((a, r) => a + r.body.length, 0) };
  },
  // n requests one after another.
  async sequential({ url, n }) {
    const statuses = [];
    for (let i = 0; i < n; i++) statuses.push((await oneloop.http.get(url)).status);
    return { statuses };
  },
  // Blocking APIs: they block only this worker.
  sync({ base }) {
    oneloop.sleepSync(20);
    const r = oneloop.http.requestSync(`${base}/json`);
    const echo = oneloop.http.postSync(`${base}/echo`, 'hello from a worker');
    const s = oneloop.http.streamSync(`${base}/chunked/8/1000`);
    let streamed = 0;
    for (const chunk of s.body) streamed += chunk.length;
    let error = null;
    try {
      oneloop.http.requestSync(`${base}/fault/garbage`);
    } catch (e) {
      error = e.code;
    }
    return { status: r.status, json: r.json(), echo: echo.text(), streamStatus: s.status, streamed, error };
  },
  // Starts requests that will not finish soon, says so, then stays busy with them.
  inflight({ url, n }) {
    for (let i = 0; i < n; i++) oneloop.http.get(url).catch(() => {});
    oneloop.sleep(60000).catch(() => {});
    parentPort.postMessage({ started: true });
    return new Promise(() => {}); // never ends on its own
  },
  // Says it started, then blocks in a sync request that will not finish soon.
  blocked({ url }) {
    parentPort.postMessage({ started: true });
    oneloop.http.requestSync(url);
    return { finished: true };
  },
  // HTTPS through oneloop (libcurl + the system OpenSSL) inside a worker, async and sync.
  async https({ url, caFile }) {
    const r = await oneloop.http.get(url, { caFile });
    const s = oneloop.http.requestSync(url, { caFile });
    return { status: r.status, text: r.text(), syncStatus: s.status };
  },
  // Opens n streams and waits in for-await on each (each read armed, none of them ends on its
  // own); says so with this env's in-flight count, then never ends.
  async streams({ urls }) {
    const all = await Promise.all(urls.map((url) => oneloop.http.stream(url)));
    for (const s of all) (async () => { for await (const chunk of s.body) void chunk; })().catch(() => {});
    // Every stream has a read waiting (stalled ones past their first chunk).
    while (oneloop.stats().envInFlight < urls.length) await new Promise((r) => setTimeout(r, 1));
    parentPort.postMessage({ started: true, inFlight: oneloop.stats().envInFlight });
    return new Promise(() => {});
  },
  // Async streaming iterated in a worker.
  async stream({ url }) {
    const s = await oneloop.http.stream(url);
    let n = 0;
    for await (const chunk of s.body) n += chunk.length;
    return { status: s.status, n };
  },
};

(async () => {
  const { scenario, ...args } = workerData;
  const result = await scenarios[scenario](args);
  parentPort.postMessage({ result, stats: oneloop.stats() });
})().catch((err) => parentPort.postMessage({ error: { message: err.message, code: err.code } }));
