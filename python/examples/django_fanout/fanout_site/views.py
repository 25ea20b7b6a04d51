"""Sync Django views that fan out to N backend calls through oneloop.

The view thread makes one blocking call; the N requests run concurrently on oneloop's
executor thread (one connection pool for the whole process), not on N threads."""

import asyncio

import oneloop
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from oneloop import http


def _n(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("n", "10")), 1000))
    except ValueError:
        return 10


def fanout(request: HttpRequest) -> JsonResponse:
    """Native jobs: N GETs, one wait (GIL released), never a thread per call."""
    n = _n(request)
    urls = [f"{settings.BACKEND_URL}/bytes/{i + 1}" for i in range(n)]
    results = http.gather(urls, return_exceptions=True, timeout=10)
    ok = [r for r in results if isinstance(r, oneloop.Response) and r.ok]
    return JsonResponse(
        {
            "calls": n,
            "ok": len(ok),
            "failed": [type(r).__name__ for r in results if isinstance(r, Exception)],
            "bytes": sum(len(r.content) for r in ok),
        }
    )


async def _backend_sizes(base: str, n: int) -> list:
    # Coroutine style: awaiting native requests on oneloop's asyncio loop thread.
    responses = await asyncio.gather(*(http.aget(f"{base}/bytes/{i + 1}") for i in range(n)))
    return [len(r.content) for r in responses]


backend_sizes = oneloop.async_to_sync(_backend_sizes)


def fanout_async(request: HttpRequest) -> JsonResponse:
    """The seed API from a sync view: an async helper made blocking with async_to_sync."""
    sizes = backend_sizes(settings.BACKEND_URL, _n(request))
    return JsonResponse({"calls": len(sizes), "bytes": sum(sizes)})
