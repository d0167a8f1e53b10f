"""The client-data guard: find client data in free text before it is stored. Never raises.

Reflections, answers to nudges and broadcasts, and broadcast texts go through
:meth:`Guard.scan` first. The detectors are data (``interface/client_data_guard.yaml``):
regular expressions, each with a kind (``bsn``, ``date``, ``address``, ``phone``,
``email``) and optionally a check on what they matched (``validate: elfproef``), and a name
finder: a capitalised word right after a context word such as "cliënt", "moeder" or
"leerling" ("de moeder van Sanne", "cliënt J. de Vries", "het gezin Jansen").
:meth:`Guard.redact` replaces every hit with ``[verwijderd]`` (or the text for the user's
language), overlapping hits merged.

Every pattern runs over the whole text (nothing is left unscanned, so nothing slips
through at the end of a long text); ``check`` refuses a pattern that backtracks
catastrophically (:mod:`knowledge.patterns`), so a scan stays linear in the text's length.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from knowledge.model import DEFAULT_LANGUAGE, GuardNames, GuardSpec, Knowledge
from knowledge.patterns import compile_pattern

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def elfproef(number: str) -> bool:
    """Whether ``number`` is a valid BSN: nine digits (anything else ignored) whose
    weighted sum 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11; all zeros is no BSN."""
    digits = [d for d in (unicodedata.decimal(c, None) for c in number) if d is not None]
    if len(digits) != len(BSN_WEIGHTS) or not any(digits):
        return False
    return sum(w * d for w, d in zip(BSN_WEIGHTS, digits, strict=True)) % 11 == 0


VALIDATORS: Mapping[str, Callable[[str], bool]] = {"elfproef": elfproef}
"""The checks a pattern can ask for with ``validate:``; a match failing it is no hit."""

HIT_GROUP = "hit"
"""A pattern with a group of this name reports only that group: the rest is context."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of client data: ``text[start:end] == matched``."""

    kind: str
    start: int
    end: int
    matched: str


def merge_spans(hits: Iterable[Hit]) -> list[tuple[int, int]]:
    """The (start, end) spans covered by ``hits``, overlapping or touching ones merged."""
    spans: list[tuple[int, int]] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.end)):
        if spans and hit.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hit.end))
        else:
            spans.append((hit.start, hit.end))
    return spans


def fold(word: str) -> str:
    """Lower case without accents or outer apostrophes: "Cliënt" and "client" compare equal."""
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().strip("'’")


@dataclass(frozen=True, slots=True)
class _Detector:
    kind: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None
    sharing: bool = False


def _matches(text: str, detector: _Detector) -> Iterator[Hit]:
    pattern, check = detector.pattern, detector.check
    has_group = HIT_GROUP in pattern.groupindex
    pos = 0
    while pos <= len(text):
        match = pattern.search(text, pos)
        if match is None:
            return
        start, end = match.span(HIT_GROUP) if has_group else match.span()
        if start < 0:  # the group did not take part: the whole match is the hit
            start, end = match.span()
        if end > start and (check is None or check(text[start:end])):
            yield Hit(detector.kind, start, end, text[start:end])
            pos = max(match.end(), match.start() + 1)
        else:
            # A rejected match may hide a valid one that starts inside it.
            pos = match.start() + 1


# A word: letters, with inner hyphens or apostrophes ("Jan-Willem", "Sanne's").
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# What may stand between a context word and a name: spaces, commas, colons, brackets,
# quotes, dashes. A full stop, question mark, semicolon, digit or line break ends the
# search: a capital after it may just start a sentence.
_JOIN = re.compile(r"[ \t,:()\[\]\"'“”‘’«»\-–—]*")
# Within one name ("Jan de Vries", "J. de Vries"): a few spaces only.
_TIGHT = re.compile(r"[ \t]{1,3}")
_AFTER_INITIAL = re.compile(r"\.[ \t]{0,2}")
# The same with one line break: "cliënt:\nJan de Vries". Only a name that fills the
# rest of its line (or follows a colon) is taken then: "de ouders\nAnne kwam later" is
# a sentence that starts on a new line.
_JOIN_BREAK = re.compile(r"[ \t,:()\[\]\"'“”‘’«»\-–—]*\r?\n[ \t,:()\[\]\"'“”‘’«»\-–—]*")
_LINE_END = re.compile(r"[ \t]*(?:[\r\n,.;:)\]]|$)")
# Between a name and a context word after it: an apposition ("Jan de Vries, mijn
# cliënt", "Sanne (de dochter)").
_APPOSITION = re.compile(r"[ \t]*[,(:\-–—][ \t]*")
_POSSESSIVE = ("'s", "’s")

# Characters read as their plain form before any pattern runs, one for one (so every
# hit's position is the same in the text as written): the spaces a phone or a word
# processor puts in ("12\u00a0maart", "06\u202f12345678") and the dashes ("06–12345678").
_PLAIN = str.maketrans(
    {
        **dict.fromkeys(
            "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
            "\u202f\u205f\u3000",
            " ",
        ),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u02bc", "'"),
    }
)


def _starts_sentence(text: str, start: int) -> bool:
    """Whether only spaces, quotes or brackets stand between ``start`` and the start of
    the text or the end of the previous sentence."""
    k = start
    while k > 0 and text[k - 1] in " \t\"'“‘(":
        k -= 1
    return k == 0 or text[k - 1] in ".!?\n"


def plain(text: str) -> str:
    """``text`` with unusual spaces, dashes and apostrophes in their plain form, one
    character for one."""
    return text.translate(_PLAIN)


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    word: str
    folded: str


class _NameFinder:
    """Capitalised words right after (or, with 's, right before) a context word."""

    def __init__(self, names: GuardNames) -> None:
        self.kind = names.kind
        self.window = names.window
        self.context = frozenset(fold(w) for w in names.context)
        self.between = frozenset(fold(w) for w in names.between)
        self.particles = frozenset(fold(w) for w in names.particles)
        self.list_words = frozenset(fold(w) for w in names.list_words)
        self.given = frozenset(fold(w) for w in names.given)
        self.lead_in = frozenset(fold(w) for w in names.lead_in)
        self.not_names = (
            frozenset(fold(w) for w in names.stop)
            | self.context
            | self.between
            | self.particles
            | self.list_words
            | self.lead_in
        ) - self.given

    def find(self, text: str) -> list[Hit]:
        tokens = [
            _Token(m.start(), m.end(), m.group(), fold(m.group())) for m in _WORD.finditer(text)
        ]
        hits: list[Hit] = []
        for i, token in enumerate(tokens):
            if self._is_context(token.folded):
                loud = token.word.isupper()
                hits.extend(self._after(text, tokens, i, loud))
                hits.extend(self._possessive_before(text, tokens, i))
                hits.extend(self._before(text, tokens, i, loud))
        return hits

    def _is_context(self, folded: str) -> bool:
        """A context word, also as a possessive ("client's", "cliënt's")."""
        if folded in self.context:
            return True
        return folded.endswith(_POSSESSIVE) and folded[:-2] in self.context

    def _is_name(self, word: str, loud: bool = False) -> bool:
        """A name: a capitalised word that is no acronym, a known given name in any case
        ("jan", "JAN"), or in a text in capitals (``loud``) any word in capitals."""
        if len(word) < 2:
            return False
        folded = fold(word)
        if folded in self.given or fold(word.split("-")[0]) in self.given:
            return True
        if not (word[0].isupper() or word[0].istitle()):
            return False
        if word.isupper() and not loud:  # an acronym: GGD, CJG, WMO
            return False
        return folded not in self.not_names and fold(word.split("-")[0]) not in self.not_names

    @staticmethod
    def _initial(text: str, tokens: Sequence[_Token], k: int) -> bool:
        """A single capital followed by a full stop: "J." in "J. de Vries"."""
        word = tokens[k].word
        return len(word) == 1 and word.isupper() and text.startswith(".", tokens[k].end)

    def _joined(self, text: str, tokens: Sequence[_Token], k: int) -> bool | None:
        """Whether token ``k`` still belongs to the phrase of token ``k - 1``: True, or
        None when a line break stands between them (see :data:`_JOIN_BREAK`)."""
        gap = text[tokens[k - 1].end : tokens[k].start]
        if self._initial(text, tokens, k - 1):
            return _AFTER_INITIAL.fullmatch(gap) is not None
        if _JOIN.fullmatch(gap) is not None:
            return True
        return None if _JOIN_BREAK.fullmatch(gap) is not None else False

    def _tight(self, text: str, tokens: Sequence[_Token], k: int) -> bool:
        """Whether token ``k`` continues the name that token ``k - 1`` is part of."""
        gap = text[tokens[k - 1].end : tokens[k].start]
        if self._initial(text, tokens, k - 1):
            return _AFTER_INITIAL.fullmatch(gap) is not None
        return _TIGHT.fullmatch(gap) is not None

    def _after(self, text: str, tokens: Sequence[_Token], i: int, loud: bool) -> Iterator[Hit]:
        j, skipped, named, broke, colon = i + 1, 0, False, False, False
        while j < len(tokens):
            joined = self._joined(text, tokens, j)
            if joined is None and not broke:
                broke = True  # one line break: "cliënt:\nJan de Vries"
            elif not joined:
                return
            colon = colon or ":" in text[tokens[j - 1].end : tokens[j].start]
            token = tokens[j]
            if self._is_context(token.folded):
                return  # the next context word searches on its own
            if self._is_name(token.word, loud):
                first = self._lead(text, tokens, j, floor=i + 1)
                last = self._extend(text, tokens, j, loud)
                start, end = tokens[first].start, tokens[last].end
                if broke and not colon and _LINE_END.match(text, end) is None:
                    return  # a sentence on the next line, not a name under a heading
                yield Hit(self.kind, start, end, text[start:end])
                j, skipped, named = last + 1, 0, True
                continue
            skippable = (
                token.folded in self.between
                or self._initial(text, tokens, j)
                or (token.folded in self.particles and token.word[0].isupper())  # El Amrani
                or (named and token.folded in self.list_words)
            )
            skipped += 1
            if not skippable or skipped > self.window:
                return
            j += 1

    def _lead(self, text: str, tokens: Sequence[_Token], j: int, floor: int) -> int:
        """Where the name that ``j`` is in starts: back over initials and particles, up to
        the first capitalised one ("De Vries", "J. de Vries"; not "van" in "van Dijk")."""
        first, k = j, j
        while k - 1 >= floor and self._tight(text, tokens, k):
            previous = tokens[k - 1]
            if not (previous.folded in self.particles or self._initial(text, tokens, k - 1)):
                break
            k -= 1
            if previous.word[0].isupper():
                first = k
        return first

    def _extend(self, text: str, tokens: Sequence[_Token], j: int, loud: bool = False) -> int:
        """The last token of the name that starts at ``j`` ("Jan de Vries", "Van der Berg";
        after a particle also a word in lower case: "jan de vries")."""
        last = j
        while True:
            k = last + 1
            while (
                k < len(tokens)
                and (tokens[k].folded in self.particles or self._initial(text, tokens, k))
                and self._tight(text, tokens, k)
            ):
                k += 1
            if k < len(tokens) and self._tight(text, tokens, k):
                word = tokens[k].word
                surname = k > last + 1 and word.islower() and self._plain_word(tokens[k])
                if surname or self._is_name(word, loud):
                    last = k
                    continue
            return last

    def _plain_word(self, token: _Token) -> bool:
        return len(token.word) > 1 and token.folded not in self.not_names

    def _before(self, text: str, tokens: Sequence[_Token], i: int, loud: bool) -> Iterator[Hit]:
        """A name in apposition before the context word: "Jan de Vries, mijn cliënt",
        "jan de vries, de moeder". A single capitalised word that starts a sentence is
        no name here unless it is a known given name ("Daarom, de kinderen")."""
        k = i - 1
        skipped = 0
        while k >= 0 and tokens[k].folded in self.lead_in and self._tight(text, tokens, k + 1):
            k, skipped = k - 1, skipped + 1
            if skipped > self.window:
                return
        if k < 0 or _APPOSITION.fullmatch(text[tokens[k].end : tokens[k + 1].start]) is None:
            return
        last, first = k, None
        while k >= 0 and (k == last or self._tight(text, tokens, k + 1)):
            token = tokens[k]
            left_particle = k > 0 and tokens[k - 1].folded in self.particles
            if self._is_name(token.word, loud):
                first = k
            elif not (
                token.folded in self.particles
                or self._initial(text, tokens, k)
                or (token.word.islower() and left_particle and self._plain_word(token))
            ):
                break
            if last - k >= 4:
                break
            k -= 1
        if first is None:
            return
        lone = first == last and tokens[first].folded not in self.given
        if lone and _starts_sentence(text, tokens[first].start):
            return
        start, end = tokens[first].start, tokens[last].end
        yield Hit(self.kind, start, end, text[start:end])

    def _possessive_before(self, text: str, tokens: Sequence[_Token], i: int) -> Iterator[Hit]:
        """ "Sanne's moeder": a capitalised word with 's right before the context word."""
        if i == 0 or not self._tight(text, tokens, i):
            return
        token = tokens[i - 1]
        if token.word[-2:] in ("'s", "’s") and self._is_name(token.word[:-2]):
            yield Hit(self.kind, token.start, token.end, token.word)


class Guard:
    """Finds client data in a text and redacts it. Build once; :meth:`scan` is thread-safe."""

    def __init__(self, spec: GuardSpec, allow: Iterable[str] = ()) -> None:
        self.spec = spec
        self._detectors: list[_Detector] = []
        for pattern in spec.patterns:
            compiled = compile_pattern(pattern.regex)
            if isinstance(compiled, str):
                continue  # reported by the loader; a knowledge base with it is never used
            check = VALIDATORS.get(pattern.validate) if pattern.validate else None
            self._detectors.append(_Detector(pattern.kind, compiled, check, pattern.sharing))
        self._names = _NameFinder(spec.names) if spec.names is not None else None
        self._allow = frozenset(fold(a.strip()) for a in (*spec.allow, *allow) if a.strip())
        self._labels = {kind.id: kind.label for kind in spec.kinds}

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> Guard:
        """The guard of this knowledge base (built once per knowledge object).

        The public e-mail addresses of the contacts are allowed: they are no client data.
        """
        with _BUILT_LOCK:
            cached = _BUILT.get(id(knowledge))
            if cached is not None and cached[0] is knowledge:
                return cached[1]
        allow = [c.email for c in knowledge.contacts.values() if c.email]
        guard = cls(knowledge.guard, allow)
        with _BUILT_LOCK:
            while len(_BUILT) >= _MAX_BUILT:
                del _BUILT[next(iter(_BUILT))]
            _BUILT[id(knowledge)] = (knowledge, guard)
        return guard

    def scan(self, text: str, *, sharing: bool = False) -> list[Hit]:
        """Every piece of client data in ``text``, in order; overlapping hits of one kind
        are merged into one (hits of different kinds may overlap). ``sharing``: the text is
        about to be shared, and the patterns for that (a named third party) count too."""
        # Scanned in its plain form (one character for one: the positions hold).
        view = plain(text)
        found: list[Hit] = []
        for detector in self._detectors:
            if sharing or not detector.sharing:
                found.extend(_matches(view, detector))
        if self._names is not None:
            found.extend(self._names.find(view))
        found = [Hit(h.kind, h.start, h.end, text[h.start : h.end]) for h in found]
        if self._allow:
            found = [h for h in found if fold(h.matched.strip()) not in self._allow]
        by_kind: dict[str, list[Hit]] = {}
        for hit in found:
            by_kind.setdefault(hit.kind, []).append(hit)
        merged = [
            Hit(kind, start, end, text[start:end])
            for kind, hits in by_kind.items()
            for start, end in merge_spans(hits)
        ]
        return sorted(merged, key=lambda h: (h.start, h.end, h.kind))

    def redact(
        self, text: str, lang: str = DEFAULT_LANGUAGE, hits: Sequence[Hit] | None = None
    ) -> str:
        """``text`` with every hit replaced by the replacement text in ``lang``.

        Pass the ``hits`` of an earlier :meth:`scan` of the same text to avoid scanning twice.
        """
        spans = merge_spans(self.scan(text) if hits is None else hits)
        replacement = self.spec.replacement.get(lang)
        parts: list[str] = []
        position = 0
        for start, end in spans:
            parts.append(text[position:start])
            parts.append(replacement)
            position = end
        parts.append(text[position:])
        return "".join(parts)

    def labels(self, hits: Iterable[Hit], lang: str = DEFAULT_LANGUAGE) -> list[str]:
        """What was found, in words ("een telefoonnummer"), each kind once, in text order."""
        kinds = dict.fromkeys(h.kind for h in sorted(hits, key=lambda h: h.start))
        return [self._labels[k].get(lang) if k in self._labels else k for k in kinds]


def shared_version(knowledge: Knowledge, lang: str, text: str) -> str:
    """``text`` as it may be shared with a coordinator: a named third party ("Mevrouw
    Jansen") replaced, like client data (the patterns marked ``sharing``)."""
    guard = Guard.from_knowledge(knowledge)
    hits = guard.scan(text, sharing=True)
    return guard.redact(text, lang, hits) if hits else text


_BUILT: dict[int, tuple[Knowledge, Guard]] = {}
_BUILT_LOCK = threading.Lock()
_MAX_BUILT = 4
