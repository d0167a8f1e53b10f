"""The live workshop session: its dialogue (``/live`` and the buttons, read into typed
effects), the facilitator's control message, the participants' live screen and the
summary (see ``docs/live.md``)."""
