"""Application services: one unit of work per event, applying the core's effects.

Imports nothing of Telegram, aiohttp or the channels (tests/test_architecture.py).
"""
