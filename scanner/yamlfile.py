"""Safe YAML loading that remembers where every value came from.

``load(path)`` returns plain ``dict``/``list``/scalars (safe tags only: a ``!!python/object``
tag is an error, never a constructed object) plus a :class:`Locator` that maps a JSON path
(as produced by ``jsonschema`` errors) back to a line number, so validation errors can name
file, line and key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import InputError

MAX_BYTES = 5 * 1024 * 1024
#: Nodes a document may expand to, beyond one per byte of text: aliases (``*a``) that would
#: multiply a small file into millions of values ("billion laughs") are an error, not a hang.
ALIAS_ALLOWANCE = 100_000
_Path = tuple[str | int, ...]


_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _LineLoader(_BASE):  # type: ignore[valid-type,misc]
    """SafeLoader that records the line of every mapping key and sequence item.

    Timestamps stay strings (``2026-13-01`` is then a validation error with a line, not a
    crash in the constructor); callers parse dates where they need them.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BASE.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[_Path, int] = {}
        self.budget = len(stream) + ALIAS_ALLOWANCE


class _TooLarge(Exception):
    """The document expands (through aliases) to more nodes than its loader's budget."""


def _record(loader: _LineLoader, node: yaml.Node, path: _Path) -> None:
    loader.budget -= 1
    if loader.budget < 0:
        raise _TooLarge
    loader.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            loader.lines[(*path, key)] = key_node.start_mark.line + 1
            _record(loader, value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(loader, item, (*path, index))


@dataclass(frozen=True)
class Document:
    path: Path
    data: Any
    lines: dict[_Path, int]
    raw: bytes = b""  # the file's bytes, as read (for digests and the validation cache)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of the deepest recorded prefix of ``path`` (1-based)."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def error(self, message: str, path: Sequence[str | int] = (),
              kind: Callable[..., InputError] = InputError) -> InputError:
        return kind(message, path=str(self.path), line=self.line_of(path))


def load(path: Path, kind: Callable[..., InputError] = InputError) -> Document:
    """Read and parse ``path``; every problem is an ``InputError`` naming file and line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise kind("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise kind("is a directory, expected a YAML file", path=str(path)) from None
    except OSError as err:
        raise kind(f"cannot read: {err.strerror}", path=str(path)) from None
    if len(raw) > MAX_BYTES:
        raise kind(f"file is larger than {MAX_BYTES} bytes", path=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise kind(f"not UTF-8 text (byte {err.start})", path=str(path)) from None
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(path, None, {}, raw)
        _record(loader, node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = _one_line(err.problem or err.context or "invalid YAML")
        raise kind(f"invalid YAML: {problem}", path=str(path), line=line) from None
    except yaml.reader.ReaderError as err:
        code = err.character if isinstance(err.character, int) else ord(err.character)
        raise kind(f"invalid YAML: {err.reason} (character #x{code:04x})", path=str(path),
                   line=text.count("\n", 0, err.position) + 1) from None
    except yaml.YAMLError as err:
        raise kind(f"invalid YAML: {_one_line(str(err))}", path=str(path)) from None
    except RecursionError:
        raise kind("invalid YAML: nested too deeply", path=str(path)) from None
    except _TooLarge:
        raise kind("invalid YAML: aliases expand the document beyond "
                   f"{len(text) + ALIAS_ALLOWANCE} values", path=str(path)) from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
        # explicit tags the safe constructors choke on: `!!bool maybe`, `!!timestamp x`
        raise kind(f"invalid YAML value: {_one_line(str(err))}", path=str(path)) from None
    finally:
        loader.dispose()
    return Document(path, data, dict(loader.lines), raw)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def validate(doc: Document, schema: dict[str, Any],
             kind: Callable[..., InputError] = InputError) -> None:
    """Validate against a JSON Schema; the first error (in document order) is raised."""
    import jsonschema  # imported here: a run whose files are all known valid never needs it

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc.data),
                    key=lambda e: (doc.line_of(list(e.absolute_path)) or 0, str(e.message)))
    if not errors:
        return
    err = jsonschema.exceptions.best_match([errors[0]])
    while err.context:  # oneOf/anyOf: point at the most specific reason
        err = jsonschema.exceptions.best_match(err.context)
    where = list(err.absolute_path)
    key = ".".join(str(p) for p in where) or "(top level)"
    message = err.message if len(err.message) <= 300 else err.message[:297] + "..."
    if err.validator == "additionalProperties":
        message = f"unknown key: {message}"
    raise doc.error(f"{key}: {message}", where, kind)
