"""Mermaid diagrams generated from the flow definitions: ``python -m flows.diagrams FILE``.

``docs/flows.md`` is written by this module; a test fails when it is not current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flows.definition import FlowDefinition, advisor_flow
from knowledge.loader import BUNDLED_DIR, read_knowledge

HEADER = """# Conversation flows

Generated from `flows/definition.py` and the intake in `knowledge/data/content/intake.yaml` by
`make diagrams` (`python -m flows.diagrams docs/flows.md`); do not edit by hand.
Edge labels are `trigger [guard]`; `asks:q` means question `q` applies (its `ask_if`
holds), `editing` means an answer is being changed from the advice.
"""


def _node(name: str) -> str:
    return name.replace(":", "_")


def mermaid(definition: FlowDefinition) -> str:
    """One ``stateDiagram-v2`` for the definition; sources listed by name, in order."""
    lines = ["stateDiagram-v2", f"    [*] --> {_node(definition.initial)}"]
    seen: set[tuple[str, str, str]] = set()
    for edge in definition.edges:
        sources = edge.source if isinstance(edge.source, tuple) else (edge.source,)
        label = edge.trigger + (f" [{edge.guard}]" if edge.guard else "")
        for source in sources:
            dest = edge.dest if edge.dest is not None else source
            key = (source, dest, label)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"    {_node(source)} --> {_node(dest)}: {label}")
    return "\n".join(lines)


def document(knowledge_dir: Path = BUNDLED_DIR) -> str:
    """The whole ``docs/flows.md`` for the knowledge in ``knowledge_dir``."""
    knowledge, _ = read_knowledge(knowledge_dir)
    definition = advisor_flow([q.id for q in knowledge.intake])
    return (
        f"{HEADER}\n## Advisor (flow version {definition.version})\n\n"
        f"```mermaid\n{mermaid(definition)}\n```\n"
    )


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("docs/flows.md")
    target.write_text(document(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
