"""The intake: the questions about the user's network, answered one by one, changed from
the advice (``/profiel``) or started over (``/opnieuw``)."""
