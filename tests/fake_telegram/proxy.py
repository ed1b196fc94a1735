"""A round-robin HTTP proxy on 127.0.0.1: the load balancer in front of bot replicas.

Each request goes to the next backend in turn (whatever connection it came on) and the
backend's answer goes back as it is. Enough for Telegram's webhook posts; not a general
proxy (no streaming, no upgrades)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from http import HTTPStatus

import httpx

from .transport import _read_request

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class RoundRobinProxy:
    def __init__(self, backends: list[str], host: str = "127.0.0.1", port: int = 0) -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = backends
        self.host = host
        self.port = port
        self.sent_to: list[str] = []  # the backend of each request, in arrival order
        self._next = itertools.cycle(range(len(backends)))
        self._server: asyncio.Server | None = None
        self._client = httpx.AsyncClient(timeout=30.0)
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> RoundRobinProxy:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            for task in list(self._connections):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._server.wait_closed()
        await self._client.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while (request := await _read_request(reader)) is not None:
                method, target, headers, body = request
                backend = self.backends[next(self._next)]
                self.sent_to.append(backend)
                forwarded = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP}
                try:
                    answer = await self._client.request(
                        method, backend + target, headers=forwarded, content=body
                    )
                    status, payload = answer.status_code, answer.content
                    content_type = answer.headers.get("content-type", "text/plain")
                except httpx.TransportError:
                    status, payload, content_type = 502, b"backend unreachable", "text/plain"
                phrase = (
                    HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
                )
                writer.write(
                    (
                        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: {content_type}\r\n"
                        f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
                    ).encode("latin-1")
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the proxy is closing
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
