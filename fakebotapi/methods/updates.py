"""Getting updates: getMe, getUpdates (long polling), the webhook methods, close, logOut."""

from __future__ import annotations

import asyncio
import re
import time

from fakebotapi.constants import ALL_UPDATE_TYPES, DEFAULT_ALLOWED_UPDATES, JSONDict
from fakebotapi.errors import ApiError, bad_request
from fakebotapi.params import Params
from fakebotapi.records import WebhookConfig
from fakebotapi.state import Method, ServerState
from fakebotapi.webhook import deliver


async def return_true(state: ServerState, params: Params) -> bool:
    return True


async def get_me(state: ServerState, params: Params) -> JSONDict:
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: ServerState, params: Params) -> list[JSONDict]:
    if state.webhook_config is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = params.get_int("offset") or 0
    limit = min(max(params.get_int("limit") or 100, 1), 100)
    timeout = max(params.get_float("timeout") or 0.0, 0.0)
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        state.allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or (DEFAULT_ALLOWED_UPDATES)
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_signal.notify()  # a newer getUpdates terminates a waiting one
    state.confirm_updates(offset)
    deadline = time.monotonic() + timeout
    while True:
        if state.webhook_config is not None:
            raise ApiError(409, "Conflict: terminated by setWebhook request")
        if generation != state.poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        batch = state.pending[:limit]
        if batch:
            state.handed_out_up_to = max(state.handed_out_up_to, batch[-1]["update_id"])
            return batch
        remaining = deadline - time.monotonic()
        if remaining <= 0 or state.closing.is_set():
            return []
        await state.updates_signal.wait(remaining)


async def set_webhook(state: ServerState, params: Params) -> bool:
    url = params.get_str("url") or ""
    if not url:
        return await delete_webhook(state, params)
    if not re.match(r"https?://[^\s/]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get_str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.get_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        state.allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or (DEFAULT_ALLOWED_UPDATES)
    if params.get_bool("drop_pending_updates"):
        state.pending.clear()
    await state.stop_webhook_worker()
    state.webhook_config = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        allowed_updates=allowed if isinstance(allowed, list) else None,
    )
    state.webhook_task = asyncio.create_task(
        deliver(state, state.webhook_config), name="FakeBotAPI webhook delivery"
    )
    state.updates_signal.notify()  # terminates a waiting getUpdates with 409
    return True


async def delete_webhook(state: ServerState, params: Params) -> bool:
    await state.stop_webhook_worker()
    state.webhook_config = None
    if params.get_bool("drop_pending_updates"):
        state.pending.clear()
    return True


async def get_webhook_info(state: ServerState, params: Params) -> JSONDict:
    info: JSONDict = {
        "url": state.webhook_config.url if state.webhook_config else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.pending),
    }
    if state.webhook_config is not None:
        info["max_connections"] = state.webhook_config.max_connections
        if state.webhook_config.allowed_updates is not None:
            info["allowed_updates"] = state.webhook_config.allowed_updates
        if state.webhook_config.last_error_date is not None:
            info["last_error_date"] = state.webhook_config.last_error_date
            info["last_error_message"] = state.webhook_config.last_error_message
    return info


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "logOut": return_true,
    "close": return_true,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
