"""The Telegram channel: handlers, polling and webhook, HTTP, rendering, rate limit,
the outbox sender and broadcast progress."""
