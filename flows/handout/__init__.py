"""The handout: the advice as a one-page PDF to take to the board (``/samenvatting``).

:mod:`flows.handout.effects` are what the dialogue asks the service to do,
:mod:`flows.handout.dialogue` is the dialogue (command, the choice of reflections, the
make button), :mod:`flows.handout.content` decides what goes on the page, and
:mod:`flows.handout.screens` the messages around it. The PDF itself is drawn by
``bot.handouts``.
"""
