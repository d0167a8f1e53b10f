"""Channels (Telegram, terminal), the command line and the application factory."""
