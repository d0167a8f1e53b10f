"""Delivering queued updates to the webhook set with ``setWebhook``, one at a time, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import aiohttp

from fakebotapi.constants import SECRET_TOKEN_HEADER
from fakebotapi.records import WebhookConfig, WebhookDelivery
from fakebotapi.state import ServerState


async def deliver(state: ServerState, config: WebhookConfig) -> None:
    headers = {"Content-Type": "application/json"}
    if config.secret_token:
        headers[SECRET_TOKEN_HEADER] = config.secret_token
    timeout = aiohttp.ClientTimeout(total=state.webhook_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not state.closing.is_set():
            if not state.pending:
                await state.updates_signal.wait(None)
                continue
            update = state.pending[0]
            state.handed_out_up_to = max(state.handed_out_up_to, update["update_id"])
            status: int | None = None
            error: str | None = None
            try:
                async with session.post(
                    config.url, data=json.dumps(update), headers=headers
                ) as response:
                    await response.read()
                    status = response.status
                    if not 200 <= status < 300:
                        error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection error: {exc.__class__.__name__}: {exc}"
            state.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], config.url, time.monotonic(), status, error)
            )
            if error is None:
                if state.pending and state.pending[0] is update:
                    state.pending.pop(0)
                state.touch()
                continue
            config.last_error_date = int(time.time())
            config.last_error_message = error
            state.touch()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(state.webhook_retry_delay):
                    await state.closing.wait()
