"""Broadcasts: composing (text, audience, preview), the message members get, progress
and the delivery report."""
