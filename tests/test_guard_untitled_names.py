"""Issue 13: in a text about to be shared, a name without a title ("Jan de Vries heeft…")
is replaced like a titled one ("mevrouw De Vries") — and ordinary Dutch sentences keep
every word. The pattern takes its given names from the same list as the name finder
(``{Given}`` in ``interface/client_data_guard.yaml``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from knowledge.guard import Guard, shared_version
from knowledge.load_guard import expand
from knowledge.loader import BUNDLED_DIR, read_knowledge
from knowledge.model import GuardNames
from tests.knowledge_helpers import check, line_of

BUNDLED, _ = read_knowledge()


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("Jan de Vries heeft het overleg geblokkeerd.", "[verwijderd] heeft het overleg"),
        ("Mevrouw De Vries heeft het overleg geblokkeerd.", "[verwijderd] heeft het overleg"),
        ("Met Lisa van der Berg en Piet Hein gesproken.", "Met [verwijderd] en [verwijderd]"),
        ("Volgens Fatima El Idrissi klopt het.", "Volgens [verwijderd] klopt het."),
        ("Zoals J. de Vries al zei.", "Zoals [verwijderd] al zei."),
    ],
)
def test_a_name_without_a_title_is_replaced_before_sharing(text: str, shared: str) -> None:
    found = shared_version(BUNDLED, "nl", text)
    assert found.startswith(shared), found
    assert "Vries" not in found and "Berg" not in found and "Idrissi" not in found


def test_in_the_users_own_text_such_a_name_stays() -> None:
    """Review 6, F17: a colleague's name in one's own reflection is one's own to keep."""
    guard = Guard.from_knowledge(BUNDLED)
    assert guard.scan("Jan de Vries heeft het overleg geblokkeerd.") == []


ORDINARY = [
    "Tim en ik gingen naar Den Haag; Roos kwam later.",
    "Jan. Februari wordt druk. Anne, kom je ook? Tom. Daarna Sem.",
    "In het Sophia Kinderziekenhuis en het Emma Kinderziekenhuis spraken we ouders.",
    "Plan B. Daarna kwam de gemeente met Veilig Thuis.",
    "De wethouder, de GGD en Jeugdzorg Noord zaten aan tafel met Kind en Gezin.",
    "We bespreken in maart de rol van de kleine partijen, en in April de begroting.",
    "Het Netwerk Met Andere Ogen helpt bestuurders bij Kansrijke Start.",
    "Onze Regio Zuid-Holland Zuid werkt met een Lokaal Team en de Raad van Bestuur.",
]


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_ordinary_sentences_and_every_text_of_the_knowledge_base_name_nobody() -> None:
    guard = Guard.from_knowledge(BUNDLED)
    texts = list(ORDINARY)
    for path in sorted(BUNDLED_DIR.rglob("*.yaml")):
        if path.name != "client_data_guard.yaml":
            texts += _strings(yaml.safe_load(path.read_text("utf-8")))
    assert len(texts) > 1000
    named = [
        (text[:60], hit.matched)
        for text in texts
        for hit in guard.scan(text, sharing=True)
        if hit.kind == "person"
    ]
    assert named == []


def test_a_pattern_uses_the_lists_of_names_and_an_unknown_list_is_an_error(
    knowledge_copy: Path,
) -> None:
    names = GuardNames(given=("jan", "zoë"), particles=("de",), stop=("huis",))
    regex, unknown = expand(r"{Given}[ ]{given}(?i:{particle})\d{1,3}{nope}", names)
    assert unknown == ["nope"]
    assert regex == r"(?:Jan|Zoë)[ ](?:jan|zoë)(?i:(?:de))\d{1,3}{nope}"
    path = knowledge_copy / "interface" / "client_data_guard.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("(?i:{particle})){0,3}", "(?i:{particles})){0,3}", 1), "utf-8")
    code, out = check(knowledge_copy)
    assert code == 1
    line = line_of(path, "id: full_name") + 3
    assert f"guard.yaml:{line}: pattern 'full_name': unknown list {{particles}}" in out
