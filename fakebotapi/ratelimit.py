"""Token buckets for the rate limits of :meth:`FakeBotAPI.rate_limits`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitConfig:
    global_per_second: float
    global_burst: float
    per_chat_per_second: float
    per_chat_burst: float


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        now = time.monotonic()
        self._global = TokenBucket(
            config.global_per_second, config.global_burst, config.global_burst, now
        )
        self._per_chat: dict[int, TokenBucket] = {}

    def acquire(self, chat_id: int, now: float) -> int | None:
        """Take one token from the global and the chat's bucket; else return retry_after."""
        chat_bucket = self._per_chat.get(chat_id)
        if chat_bucket is None:
            burst = self.config.per_chat_burst
            chat_bucket = TokenBucket(self.config.per_chat_per_second, burst, burst, now)
            self._per_chat[chat_id] = chat_bucket
        buckets = (self._global, chat_bucket)
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_time() for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None
