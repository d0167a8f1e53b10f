"""The live workshop session: the facilitator's control message, the participants' live
screen and the summary (see ``docs/live.md``)."""
