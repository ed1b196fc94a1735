"""Telegram's side of a webhook: the fake posts its updates to the URL the bot set."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx

from .server import JSON, FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Delivery:
    update_id: int
    status: int | None  # None: no answer (connection refused, reset, timed out)


class WebhookDelivery:
    """Posts each pending update to ``fake.webhook_url`` as Telegram does: JSON, with the
    secret given to setWebhook in the ``X-Telegram-Bot-Api-Secret-Token`` header, oldest first.
    An update is confirmed by a 2xx answer; otherwise it stays pending and is posted again
    a moment later (Telegram keeps retrying too)."""

    def __init__(self, fake: FakeTelegram, retry_after: float = 0.05) -> None:
        self.fake = fake
        self.retry_after = retry_after
        self.deliveries: list[Delivery] = []
        self._task: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(timeout=10.0)

    def delivered(self, update_id: int) -> bool:
        return any(
            d.update_id == update_id and d.status is not None and 200 <= d.status < 300
            for d in self.deliveries
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fake-telegram-webhook-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._client.aclose()

    async def __aenter__(self) -> WebhookDelivery:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            news = self.fake.news()
            pending = self.fake.deliverable_updates() if self.fake.webhook_url else []
            if not pending:
                await news
                continue
            news.cancel()
            if not await self._post(pending[0]):
                # The bot is not listening yet, or refused: Telegram tries again later.
                await asyncio.sleep(self.retry_after)

    async def _post(self, update: JSON) -> bool:
        headers = {}
        if self.fake.webhook_secret is not None:
            headers[SECRET_HEADER] = self.fake.webhook_secret
        update_id = int(update["update_id"])
        try:
            answer = await self._client.post(self.fake.webhook_url, json=update, headers=headers)
        except httpx.TransportError:
            self.deliveries.append(Delivery(update_id, None))
            return False
        self.deliveries.append(Delivery(update_id, answer.status_code))
        if 200 <= answer.status_code < 300:
            self.fake.confirm_update(update_id)
            return True
        return False
