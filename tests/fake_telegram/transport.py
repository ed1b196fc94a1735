"""Ways for python-telegram-bot to reach the fake: in-process and over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from .server import FakeTelegram, UploadedFile, _to_uploaded

_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
_BOT_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")


def attach_files(params: dict[str, object], files: dict[str, UploadedFile | str]) -> None:
    """Put uploaded files where the Bot API expects them.

    A single upload is a multipart part named after its parameter; otherwise the parameter
    holds ``attach://<part name>`` and the part carries the bytes.
    """
    for part_name, upload in files.items():
        ref = f"attach://{part_name}"
        holders = [k for k, v in params.items() if v == ref]
        for holder in holders:
            params[holder] = upload
        if not holders:
            params[part_name] = upload


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class FakeRequest(BaseRequest):
    """A PTB request backend that calls :class:`FakeTelegram` directly, without sockets.

    ``BaseRequest.post`` still turns the status code and body into PTB's exceptions, so the
    bot sees the same BadRequest / Forbidden / RetryAfter / ChatMigrated as in production.
    """

    __slots__ = ("_initialized", "_read_timeout", "fake")

    def __init__(self, fake: FakeTelegram, read_timeout: float | None = 5.0) -> None:
        self.fake = fake
        self._read_timeout = read_timeout
        self._initialized = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = urlsplit(url).path
        match = _BOT_PATH.search(path[path.rfind("/bot") :] if "/bot" in path else path)
        if match is None:
            return 404, _dump(_NOT_FOUND)
        if match.group("token") != self.fake.token:
            return 401, _dump(_UNAUTHORIZED)
        params: dict[str, object] = {}
        if request_data is not None:
            params.update(request_data.parameters)
            files = {
                name: _to_uploaded(field_tuple, name)
                for name, field_tuple in request_data.multipart_data.items()
            }
            attach_files(params, files)
        status, body = await self.fake.handle(match.group("method"), params)
        return status, _dump(body)


class FakeTelegramHTTPServer:
    """Serves a :class:`FakeTelegram` over HTTP/1.1 on 127.0.0.1 in the current event loop.

    Point a real bot at it with ``base_url=f"{url}/bot"`` (PTB appends the token), or with
    ``TELEGRAM_API_URL=url`` for a bot running as a subprocess.
    """

    def __init__(self, fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._drops: dict[str, int] = {}
        self.dropped: list[str] = []

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection instead of answering the next calls of this method, as a
        flaky network or a restarting proxy does (the bot sees a network error)."""
        self._drops[method] = self._drops.get(method, 0) + times

    def _take_drop(self, target: str) -> bool:
        match = _BOT_PATH.match(unquote(urlsplit(target).path))
        method = match.group("method") if match else ""
        if self._drops.get(method, 0) <= 0:
            return False
        self._drops[method] -= 1
        self.dropped.append(method)
        return True

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve_connection, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.base_url

    async def stop(self) -> None:
        if self._server is None:
            return
        self._stopping = True
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._server.wait_closed()
        self._server = None
        self._stopping = False

    async def __aenter__(self) -> FakeTelegramHTTPServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, target, headers, body = request
                if self._take_drop(target):
                    break
                status, payload = await self._respond(method, target, headers, body)
                keep_alive = headers.get("connection", "").lower() != "close"
                phrase = (
                    HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
                )
                head = (
                    f"HTTP/1.1 {status} {phrase}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n"
                    f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
                )
                writer.write(head.encode("latin-1") + payload)
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # stop() ends connections still waiting (a long poll). Python 3.11's
            # start_server reports a cancelled connection as an error in the log, so one
            # ended by stop() finishes as if the client had gone.
            if not self._stopping:
                raise
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _respond(
        self, http_method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        split = urlsplit(target)
        match = _BOT_PATH.match(unquote(split.path))
        if match is None:
            return 404, _dump(_NOT_FOUND)
        if match.group("token") != self.fake.token:
            return 401, _dump(_UNAUTHORIZED)
        params: dict[str, object] = dict(parse_qsl(split.query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        try:
            form = _parse_body(content_type, body)
            params.update({k: v for k, v in form.items() if not isinstance(v, UploadedFile)})
            attach_files(params, {k: v for k, v in form.items() if isinstance(v, UploadedFile)})
        except ValueError as exc:
            return 400, _dump(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            )
        status, response = await self.fake.handle(
            match.group("method"), params, lenient_scalars=True
        )
        return status, _dump(response)


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return parts[0], parts[1], headers, body


def _parse_body(content_type: str, body: bytes) -> dict[str, object]:
    if not body:
        return {}
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        return data
    if media_type == "multipart/form-data":
        boundary = re.search(r'boundary="?([^";]+)"?', content_type)
        if boundary is None:
            raise ValueError("multipart body without boundary")
        return _parse_multipart(body, boundary.group(1).encode("latin-1"))
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _parse_multipart(body: bytes, boundary: bytes) -> dict[str, object]:
    params: dict[str, object] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        raw_headers, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in raw_headers.decode("utf-8").split("\r\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        if name_match is None:
            continue
        file_match = re.search(r'filename="([^"]*)"', disposition)
        if file_match is not None:
            params[name_match.group(1)] = UploadedFile(
                file_match.group(1), content, headers.get("content-type")
            )
        else:
            params[name_match.group(1)] = content.decode("utf-8")
    return params
