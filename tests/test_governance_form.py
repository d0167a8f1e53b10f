"""The municipality is asked about its role as lead organisation only where it may be one."""

from __future__ import annotations

from knowledge.engine import Engine
from knowledge.model import Knowledge
from knowledge.validator import core_walk

NOT_LEADING = ("gedeeld", "netwerkorganisatie")
"""Shared governance and a network administrative organisation (Provan & Kenis)."""


def _gemeente_rol_asked(engine: Engine, profile: dict[str, str]) -> bool:
    advice = engine.advise(profile)
    return any(q.id == "sturing_gemeente_rol" for s in advice.ranked for q in s.questions)


def test_no_lead_organisation_question_where_the_municipality_does_not_lead(
    knowledge: Knowledge,
) -> None:
    engine = Engine(knowledge)
    asked_when_leading = 0
    for profile in core_walk(knowledge):
        for form in NOT_LEADING:
            shared = {**profile, "rol": "gemeente", "sturingsvorm": form}
            assert not _gemeente_rol_asked(engine, shared), shared
            fired = {r.rule for s in engine.advise(shared).ranked for r in s.reasons}
            assert "gemeente_leidende_organisatie" not in fired, shared
        leading = {**profile, "rol": "gemeente", "sturingsvorm": "leidende_organisatie"}
        asked_when_leading += _gemeente_rol_asked(engine, leading)
    assert asked_when_leading > 0
