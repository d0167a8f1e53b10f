"""Checks that need the screens: message keys the code uses, rendered message length,
action ids, and reflection questions that one screen would show twice in other words.
``python -m bot check`` runs them after the knowledge validator.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from flows import screens
from flows.actions import MAX_ACTION_BYTES
from flows.advice import cards
from flows.advice import screens as advice_screens
from flows.cohorts.screens import ask_cohort_plan, nudge
from flows.handout.content import QUESTIONS_PER_DILEMMA
from flows.intake import screens as intake_screens
from flows.meeting import distinct_questions, meeting_question
from flows.replies import SCREEN_LIMIT, Reply
from knowledge.engine import Advice, Engine, Reason, ScoredDilemma
from knowledge.model import LANGUAGES, Dilemma, Knowledge, Text, Where
from knowledge.problems import Problem
from knowledge.reading.similar import ratio

MAX_MESSAGE = 4096
"""Telegram's limit on a message's text (counted after markup is parsed)."""
SAMPLE_STRIDE = 7
PHONE_SCREEN = SCREEN_LIMIT
"""Longer than this is a warning: a screen should be read on a phone without scrolling on."""
_KEY_USE = re.compile(
    r"""(?:say|say\.label|self\.say|self\.say\.label|tell|\bnotice)\(\s*"([a-z_]+)\""""
)
_CODE_DIRS = ("flows", "bot")
LARGEST_OUTBOX_ID = 2**63 - 1
"""Nudge buttons carry the outbox id: checked with the longest one there can be."""
NEAR_DUPLICATE = 90
"""Token-set ratio (0–100, rapidfuzz's ``fuzz.token_set_ratio``) of two questions'
normalized texts, in either language, from which they count as one question in two
wordings (a warning where one screen shows both)."""
_WORD = re.compile(r"\w+")


def used_message_keys() -> set[str]:
    """Catalogue keys named in the channel and flow code."""
    root = Path(__file__).resolve().parent.parent
    keys: set[str] = set()
    for directory in _CODE_DIRS:
        for path in (root / directory).rglob("*.py"):
            keys.update(_KEY_USE.findall(path.read_text(encoding="utf-8")))
    return keys


def _check_reply(reply: Reply, where: Where, what: str, problems: list[Problem]) -> None:
    length = len(reply.plain)
    if length > MAX_MESSAGE:
        problems.append(
            Problem(
                where.file, where.line, f"{what} renders to {length} characters (max {MAX_MESSAGE})"
            )
        )
    elif length > PHONE_SCREEN:
        problems.append(
            Problem(
                where.file,
                where.line,
                f"{what} renders to {length} characters, more than {PHONE_SCREEN} for a phone",
                "warning",
            )
        )
    for data in reply.actions:
        size = len(data.encode("utf-8"))
        if size > MAX_ACTION_BYTES:
            problems.append(
                Problem(where.file, where.line, f"{what}: callback data '{data}' is {size} bytes")
            )


def check_rendering(knowledge: Knowledge) -> list[Problem]:
    """Every problem the rendered screens would have, located in the knowledge files."""
    problems: list[Problem] = []
    for key in sorted(used_message_keys() - set(knowledge.messages)):
        problems.append(
            Problem("interface/messages/", 1, f"message '{key}' is used but not defined")
        )
    engine = Engine(knowledge)
    intake_where = (
        knowledge.intake[0].where if knowledge.intake else Where("content/intake.yaml", 1)
    )
    longest = longest_screens(
        knowledge, engine, [screens.Say(knowledge, lang) for lang in LANGUAGES]
    )
    for lang in LANGUAGES:
        say = screens.Say(knowledge, lang)
        for question in knowledge.intake:
            reply = intake_screens.question(say, question, 1, len(knowledge.intake), None)
            _check_reply(reply, question.where, f"question '{question.id}' ({lang})", problems)
        for label, reply in longest[lang]:
            _check_reply(reply, intake_where, f"the longest {label} ({lang})", problems)
        for dilemma in knowledge.dilemmas:
            worst = fullest(knowledge, dilemma)
            for page in ("main", *cards.PAGES):
                what = f"dilemma '{dilemma.id}' page '{page}' ({lang})"
                _check_reply(cards.detail(say, dilemma, worst, page), dilemma.where, what, problems)
                _check_reply(cards.browse_detail(say, dilemma, page), dilemma.where, what, problems)
        for level in knowledge.levels:
            _check_reply(
                advice_screens.level(say, level.id), level.where, f"level '{level.id}'", problems
            )
        longest_title = max(
            (say.plain(d.title) for d in knowledge.dilemmas), key=len, default="dilemma"
        )
        for plan in knowledge.plans:
            what = f"plan '{plan.id}'"
            _check_reply(ask_cohort_plan(say, [plan]), plan.where, what, problems)
            for step in plan.steps:
                reply = nudge(say, step, LARGEST_OUTBOX_ID, longest_title)
                _check_reply(reply, plan.where, f"{what} step '{step.id}' ({lang})", problems)
    problems.extend(check_near_duplicates(knowledge, engine))
    return problems


def _normalized(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def token_set_ratio(first: str, second: str, cutoff: float = 0.0) -> float:
    """rapidfuzz's ``fuzz.token_set_ratio(first, second, score_cutoff=cutoff)`` (0 below
    the cutoff), on :func:`knowledge.reading.similar.ratio`: rapidfuzz is no dependency of
    the bot (``tests/test_checks.py`` compares both). The words both texts have, sorted,
    lead; the score is the best ratio of those words alone and with either text's other
    words, and of the two texts rebuilt that way: 100 when one's words are all the other's."""
    mine, theirs = set(first.split()), set(second.split())
    if not mine or not theirs:
        return 0.0
    common = mine & theirs
    if common and (mine <= theirs or theirs <= mine):
        return 100.0
    sect = " ".join(sorted(common))
    only_mine = " ".join(sorted(mine - theirs))
    only_theirs = " ".join(sorted(theirs - mine))
    lead = len(sect) + 1 if sect else 0
    # The words in common are a prefix of both rebuilt texts: that ratio needs no LCS.
    best = 200 * len(sect) / (len(sect) + lead + min(len(only_mine), len(only_theirs)))
    # The rebuilt texts share their lead and at most the letters both rests have: unless
    # that could beat ``best`` (and the cutoff), their ratio need not be computed.
    shared = (Counter(only_mine) & Counter(only_theirs)).total()
    if 200 * (lead + shared) / (2 * lead + len(only_mine) + len(only_theirs)) >= max(best, cutoff):
        prefix = f"{sect} " if sect else ""
        best = max(best, ratio(prefix + only_mine, prefix + only_theirs))
    return best if best >= cutoff else 0.0


def near_duplicates(texts: Sequence[Text]) -> dict[tuple[int, int], int]:
    """The pairs of ``texts`` (by identity, lower id first) whose normalized wording is at
    least :data:`NEAR_DUPLICATE` alike in some language, with that ratio."""
    words = [(id(t), [_normalized(t.get(lang)) for lang in LANGUAGES]) for t in texts]
    pairs: dict[tuple[int, int], int] = {}
    for n, (first, mine) in enumerate(words):
        for second, theirs in words[n + 1 :]:
            alike = max(
                token_set_ratio(a, b, NEAR_DUPLICATE) for a, b in zip(mine, theirs, strict=True)
            )
            if alike >= NEAR_DUPLICATE:
                pairs[min(first, second), max(first, second)] = round(alike)
    return pairs


def check_near_duplicates(knowledge: Knowledge, engine: Engine) -> list[Problem]:
    """Two reflection questions (or one and the meeting question) near-identical in wording
    that one advice screen, one handout or one dilemma's list of questions shows together,
    for some walked profile. Texts alike but never shown together (say, each for the profiles the
    other's ``ask_if`` excludes) are no problem. The walk runs only when some pair of the
    knowledge is alike at all, so a clean knowledge base costs no walk."""
    questions = list(knowledge.questions.values())
    meetings = [(d.meeting, d) for d in knowledge.dilemmas if d.meeting is not None]
    alike = near_duplicates([*(q.text for q in questions), *(m for m, _ in meetings)])
    if not alike:
        return []
    named = {id(q.text): (f"reflection question '{q.id}'", q.where) for q in questions}
    named |= {id(m): (f"the meeting question of '{d.id}'", d.where) for m, d in meetings}
    found: dict[tuple[int, int], dict[str, None]] = {}

    def together(texts: Sequence[Text], screen: str) -> None:
        for n, first in enumerate(texts):
            for second in texts[n + 1 :]:
                pair = (min(id(first), id(second)), max(id(first), id(second)))
                if pair in alike:
                    found.setdefault(pair, {})[screen] = None

    for d in knowledge.dilemmas:  # browsing a dilemma: its questions for everyone
        browsed = [knowledge.questions[q] for q in d.questions if q in knowledge.questions]
        together([q.text for q in browsed if q.ask_if is None], f"dilemma '{d.id}'")
    for profile in walked_profiles(knowledge):
        advice = engine.advise(profile)
        for scored in advice.ranked:
            together([q.text for q in scored.questions], f"dilemma '{scored.dilemma.id}'")
        meeting = meeting_question(knowledge, advice)
        closing = [meeting.text] if meeting else []
        for per, screen in ((1, "the advice screen"), (QUESTIONS_PER_DILEMMA, "the handout")):
            shown = [q.text for picked in distinct_questions(advice.top(), per) for q in picked]
            together([*shown, *closing], screen)
    problems = []
    for pair, screens_shown in found.items():
        (first, _), (second, where) = sorted(
            (named[i] for i in pair), key=lambda n: (n[1].file, n[1].line)
        )
        problems.append(
            Problem(
                where.file,
                where.line,
                f"{first} and {second} are near-duplicates (ratio {alike[pair]}), shown "
                f"together on {', '.join(screens_shown)}: merge their wording",
                "warning",
            )
        )
    return problems


def fullest(knowledge: Knowledge, dilemma: Dilemma) -> ScoredDilemma:
    """The dilemma with every question, contact, source and reason any rule can add."""
    rules = [r for r in knowledge.rules if r.dilemmas.get(dilemma.id, 0) > 0]
    questions = dict.fromkeys(dilemma.questions)
    contacts = dict.fromkeys(dilemma.contacts)
    sources = dict.fromkeys(dilemma.sources)
    for rule in rules:
        questions.update(dict.fromkeys(rule.questions.get(dilemma.id, ())))
        contacts.update(dict.fromkeys(rule.contacts.get(dilemma.id, ())))
        sources.update(dict.fromkeys(rule.sources))
    k = knowledge
    return ScoredDilemma(
        dilemma=dilemma,
        score=sum(r.dilemmas[dilemma.id] for r in rules),
        reasons=tuple(Reason(r.id, r.because) for r in rules),
        questions=tuple(k.questions[q] for q in questions if q in k.questions),
        actions=tuple(k.actions[a] for a in dilemma.actions if a in k.actions),
        contacts=tuple(k.contacts[c] for c in contacts if c in k.contacts),
        sources=tuple(k.contacts[c] for c in sources if c in k.contacts),
    )


def _shape(advice: Advice) -> tuple[object, ...]:
    """What the advice and "Waarom" screens read of an advice: whether anything was
    answered, and every part of each top dilemma (the engine's own objects, by identity).
    Two advices of one shape render the same advice screen."""
    return (
        bool(advice.profile),
        tuple(
            (
                s.dilemma.id,
                s.score,
                tuple(map(id, s.reasons)),
                tuple(map(id, s.questions)),
                tuple(map(id, s.actions)),
                tuple(map(id, s.contacts)),
                tuple(map(id, s.sources)),
            )
            for s in advice.top()
        ),
    )


def walked_profiles(knowledge: Knowledge) -> Iterator[dict[str, str]]:
    """Every combination of the core answers, and every seventh of them with each answer
    of an optional question added."""
    from knowledge.validator import extended_walk

    core = {q.id for q in knowledge.intake if q.core}
    for number, profile in enumerate(extended_walk(knowledge)):
        if not set(profile) - core or not number % SAMPLE_STRIDE:
            yield profile


def distinct_screens(
    knowledge: Knowledge, engine: Engine, says: Sequence[screens.Say]
) -> Iterator[tuple[str, str, Reply]]:
    """The advice and "Waarom" screens of :func:`walked_profiles` as ``(lang, label,
    reply)``, each distinct screen once.

    Each profile is advised once for all languages, and a screen is rendered once per
    distinct input: the advice screen per shape of the advice (:func:`_shape`), "Waarom"
    per shape and length of the answer lines above the reasons (it fits the reasons into
    what those lines leave of the screen, so two profiles alike in both render screens of
    one length). ``tests/test_checks.py`` holds this to rendering every profile.
    """
    seen: set[tuple[object, ...]] = set()
    for profile in walked_profiles(knowledge):
        advice = engine.advise(profile)
        shape = _shape(advice)
        asked = [q for q in knowledge.intake if q.ask_if(advice.profile)]
        for say in says:
            if (say.lang, "advice", shape) not in seen:
                seen.add((say.lang, "advice", shape))
                yield say.lang, "advice", cards.advice(say, advice)
            lines = cards.answered_lines(
                say,
                asked,
                advice.profile,
                functools.partial(screens.answer_label, say),
                functools.partial(screens.question_name, say),
            )
            why_key = (say.lang, "why", shape, sum(len(s.text) for s in lines))
            if why_key not in seen:
                seen.add(why_key)
                yield say.lang, "why", cards.why(say, advice, lines)


def longest_screens(
    knowledge: Knowledge, engine: Engine, says: Sequence[screens.Say]
) -> dict[str, list[tuple[str, Reply]]]:
    """Per language, the longest advice and "Waarom" screen of :func:`distinct_screens`."""
    longest: dict[str, dict[str, Reply]] = {say.lang: {} for say in says}
    for lang, label, reply in distinct_screens(knowledge, engine, says):
        best = longest[lang]
        if label not in best or len(reply.plain) > len(best[label].plain):
            best[label] = reply
    return {lang: list(best.items()) for lang, best in longest.items()}
