"""Conversations as state machines declared as data: event in, replies and effects out."""
