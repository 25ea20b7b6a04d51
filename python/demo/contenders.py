"""Ways for synchronous code to make a batch of N HTTP GETs, side by side.

Each contender is a class with fetch(urls) -> list of body lengths, called from a plain
(sync) thread, and close(). Shared by the demo (python/demo/demo.py) and the benchmark
(bench/bench_python.py). Every contender reuses connections across batches."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor


class RequestsThreadPool:
    name = "requests + ThreadPoolExecutor"

    def __init__(self) -> None:
        import requests

        self._requests = requests
        self._local = threading.local()
        self.workers = os.cpu_count() or 2
        self._pool = ThreadPoolExecutor(max_workers=self.workers)

    def _get(self, url: str) -> int:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = self._requests.Session()
        return len(s.get(url).content)

    def fetch(self, urls: list[str]) -> list[int]:
        return list(self._pool.map(self._get, urls))

    def close(self) -> None:
        self._pool.shutdown()


class AiohttpLoopThread:
    """The usual asyncio glue: one loop in a background thread, one run_coroutine_threadsafe
    per call from sync code."""

    name = "aiohttp on a loop thread (rcts)"

    def __init__(self) -> None:
        import aiohttp

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def make() -> aiohttp.ClientSession:
            return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

        self._session = asyncio.run_coroutine_threadsafe(make(), self._loop).result()

    async def _get(self, url: str) -> int:
        async with self._session.get(url) as r:
            return len(await r.read())

    def fetch(self, urls: list[str]) -> list[int]:
        futs = [asyncio.run_coroutine_threadsafe(self._get(u), self._loop) for u in urls]
        return [f.result() for f in futs]

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._session.close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class AsgirefAsyncToSync:
    """asgiref's async_to_sync around an aiohttp gather, as a Django view would call it: a new
    loop (and thread) per call, so a new session per batch."""

    name = "asgiref async_to_sync (aiohttp)"

    def __init__(self) -> None:
        import aiohttp
        from asgiref.sync import async_to_sync

        self._aiohttp = aiohttp

        async def batch(urls: list[str]) -> list[int]:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:

                async def one(u: str) -> int:
                    async with s.get(u) as r:
                        return len(await r.read())

                return list(await asyncio.gather(*(one(u) for u in urls)))

        self._batch = async_to_sync(batch)

    def fetch(self, urls: list[str]) -> list[int]:
        return self._batch(urls)

    def close(self) -> None:
        pass


class PycurlMulti:
    """pycurl's CurlMulti driven from the calling thread (select loop), easy handles reused."""

    name = "pycurl CurlMulti"

    def __init__(self) -> None:
        import pycurl

        self._pycurl = pycurl
        self._multi = pycurl.CurlMulti()
        self._free: list = []

    def _easy(self):  # type: ignore[no-untyped-def]
        if self._free:
            return self._free.pop()
        c = self._pycurl.Curl()
        c.setopt(self._pycurl.NOSIGNAL, 1)
        return c

    def fetch(self, urls: list[str]) -> list[int]:
        pycurl, m = self._pycurl, self._multi
        sizes = [0] * len(urls)
        handles = []
        for i, u in enumerate(urls):
            c = self._easy()
            chunks: list = []
            c.setopt(pycurl.URL, u)
            c.setopt(pycurl.WRITEFUNCTION, chunks.append)
            c.chunks = chunks
            c.index = i
            m.add_handle(c)
            handles.append(c)
        remaining = len(urls)
        while remaining:
            ret, _ = m.perform()
            while ret == pycurl.E_CALL_MULTI_PERFORM:
                ret, _ = m.perform()
            while True:
                queued, ok, failed = m.info_read()
                for c in ok:
                    sizes[c.index] = sum(len(b) for b in c.chunks)
                    m.remove_handle(c)
                    remaining -= 1
                for _c, _errno, msg in failed:
                    raise RuntimeError(f"pycurl: {msg}")
                if not queued:
                    break
            if remaining:
                m.select(1.0)
        self._free.extend(handles)
        return sizes

    def close(self) -> None:
        for c in self._free:
            c.close()
        self._multi.close()


class OneloopNative:
    name = "oneloop http.gather (native)"

    def __init__(self) -> None:
        from oneloop import http

        self._http = http

    def fetch(self, urls: list[str]) -> list[int]:
        # r.body is the body as a read-only view: without a copy from 4 KB on, copied once
        # below (which is cheaper there); pycurl below keeps its chunks without joining them.
        return [len(r.body) for r in self._http.gather(urls)]

    def close(self) -> None:
        pass


class OneloopSubmit:
    """oneloop futures one by one (http.submit per call, then .result() on each)."""

    name = "oneloop http.submit + result"

    def __init__(self) -> None:
        from oneloop import http

        self._http = http

    def fetch(self, urls: list[str]) -> list[int]:
        futs = [self._http.submit("GET", u) for u in urls]
        return [len(f.result().body) for f in futs]

    def close(self) -> None:
        pass


class OneloopCoroutine:
    """A coroutine job (run_async_job, on oneloop's asyncio loop) awaiting http.agather: the
    asyncio route, for code that is async already."""

    name = "oneloop agather in a coroutine job"

    def __init__(self) -> None:
        import oneloop
        from oneloop import http

        self._oneloop, self._http = oneloop, http

    async def _all(self, urls: list[str]) -> list[int]:
        return [len(r.body) for r in await self._http.agather(urls)]

    def fetch(self, urls: list[str]) -> list[int]:
        return self._oneloop.run_async_job(self._all(urls)).result()

    def close(self) -> None:
        pass


DEMO = [RequestsThreadPool, AiohttpLoopThread, OneloopNative]
ALL = [
    RequestsThreadPool,
    AiohttpLoopThread,
    AsgirefAsyncToSync,
    PycurlMulti,
    OneloopNative,
    OneloopSubmit,
    OneloopCoroutine,
]
