"""The timeline: how the user's network and advice changed (``/verloop``), from the
snapshots the service keeps of each day's completed intake; and the re-check after three
months (:mod:`flows.timeline.recheck`)."""
