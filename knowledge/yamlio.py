"""Read YAML with line numbers, so every problem can be reported as ``file:line: message``.

Mappings load as :class:`LineDict` and sequences as :class:`LineList`; both remember the
line where they start and, per key or index, the line of each entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


class LineDict(dict[Any, Any]):
    """A dict that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that knows the line of itself and of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """The line of item ``index``, or of the list itself when out of range."""
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlSyntaxError(Exception):
    """A file that is not valid YAML; ``line`` is 1-based."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


# libyaml's parser when PyYAML was built with it (it is ~10× faster), else pure Python;
# either way our constructor below builds the values and keeps the line numbers.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> list[Any]:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


def _construct_map(loader: _LineLoader, node: Node) -> dict[Any, Any]:
    assert isinstance(node, MappingNode)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node)


def _construct_seq(loader: _LineLoader, node: Node) -> list[Any]:
    assert isinstance(node, SequenceNode)
    return loader.construct_sequence(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def load_yaml(path: Path) -> Any:
    """Load one YAML file; raise :class:`YamlSyntaxError` with the offending line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlSyntaxError(path, 1, f"cannot read file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        source_line = (
            text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) else ""
        )
        detail = f"{problem}" + (f" (in: {source_line})" if source_line else "")
        raise YamlSyntaxError(path, line, f"YAML syntax error: {detail}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 1, f"YAML error: {exc}") from exc
