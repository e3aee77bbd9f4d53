"""Does an ARN pattern cover a HealthImaging data store (or an image set in it)?

The data store's ARN is ``arn:<partition>:medical-imaging:<region>:<account>:datastore/<id>`` and
its image sets' ``.../datastore/<id>/imageset/<image set id>``. Live, every part is known. In
Terraform the region (the awscc provider's), the account and the id are known only after apply:
:class:`DataStore` keeps them as *holes*, and a pattern is matched against every value they may
take:

* ``True``: it matches whatever the holes hold (``*``, ``arn:aws:medical-imaging:*:*:datastore/*``,
  ``awscc_healthimaging_datastore.x.datastore_arn`` or ``${...datastore_arn}/imageset/*`` for this
  very data store);
* ``False``: it can match no value they may hold (another service's ARN, a literal of another
  resource type, another data store of the configuration: its id is not this one's);
* else ``Unknown`` (a literal region, account or id, or a variable inside the pattern).

Patterns are IAM resource patterns (``*`` any run of characters, ``?`` one character) or CloudTrail
``resources.ARN`` filters (literal text; ``StartsWith`` is the text followed by any run). The
partition is not compared (``arn:aws-cn:`` reads as ``arn:aws:``), as the S3 policy reader does.
Whether two patterns can match a common string is decided exactly (:func:`intersects`), so an answer
is never a guess: holes are matched as runs of characters no pattern literal contains (``all``), or
as wildcards (``some``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.facts.logic import Truth
from scanner.facts.values import Unknown

Token = tuple[str, ...]  # ("c", char) | ("*",) | ("?",) | ("w",) | ("hole", name) | ("other",) | ("foreign",)
STAR: Token = ("*",)
#: one character of an id as AWS writes them (``[0-9a-z]``): what a data store, image set or account
#: id is made of, where one is not known
WORD: Token = ("w",)
_WORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
#: id lengths (HealthImaging ids are 32 characters, account ids 12)
_LENGTHS = {"account": 12, "id": 32}
_PARTITION = re.compile(r"^arn:aws(?:-[a-z]+)*:")
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
#: what each hole is matched as when it must match whatever it holds: runs of characters no
#: pattern literal contains (ids are 32 characters, accounts 12)
_SENTINELS = {"region": "\x01", "account": "\x02" * 12, "id": "\x03" * 32}
#: an image set id that must be matched whatever it is
_ANY_IMAGE_SET = "\x04" * 32
#: the attributes of awscc_healthimaging_datastore that are (or hold) its ARN and its id
_ARN_ATTRIBUTES = ("datastore_arn",)
_ID_ATTRIBUTES = ("datastore_id", "id")
DATASTORE_TYPE = "awscc_healthimaging_datastore"


def literal(text: str) -> list[Token]:
    return [("c", c) for c in text]


def arn_literal(text: str) -> list[Token]:
    """Literal text (no wildcards: a CloudTrail filter value), the partition not compared."""
    return literal(_PARTITION.sub("arn:aws:", text))


def glob(text: str) -> list[Token]:
    """An IAM pattern: ``*`` and ``?`` are wildcards."""
    return [STAR if c == "*" else ("?",) if c == "?" else ("c", c) for c in _PARTITION.sub("arn:aws:", text)]


@dataclass(frozen=True)
class DataStore:
    """The data store patterns are matched against. ``address`` is its Terraform address (symbols
    naming its ``datastore_arn`` or ``datastore_id`` are its own), ``others`` the addresses of the
    configuration's other data stores (their ARNs are never this one's)."""

    region: str | Unknown
    account: str | Unknown
    datastore_id: str | Unknown
    address: str | None = None
    others: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_arn(cls, arn: str) -> DataStore:
        parts = arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("datastore/"):
            why = Unknown(f"not a HealthImaging data store ARN: {arn[:80]}")
            return cls(why, why, why)
        return cls(parts[3], parts[4], parts[5].removeprefix("datastore/").split("/", 1)[0])

    def _part(self, name: str, value: str | Unknown) -> list[Token]:
        return [("hole", name)] if isinstance(value, Unknown) else literal(value)

    def arn_tokens(self) -> list[Token]:
        return [*literal("arn:aws:medical-imaging:"), *self._part("region", self.region), ("c", ":"),
                *self._part("account", self.account), *literal(":datastore/"), *self.id_tokens()]

    def id_tokens(self) -> list[Token]:
        return self._part("id", self.datastore_id)

    def targets(self, image_sets: bool) -> list[list[Token]]:
        """The data store's ARN and, with ``image_sets``, the ARN of some image set in it."""
        own = self.arn_tokens()
        return [own, [*own, *literal("/imageset/"), *[WORD] * _LENGTHS["id"]]] if image_sets else [own]

    def unknown(self) -> Unknown | None:
        parts = [p for p in (self.region, self.account, self.datastore_id) if isinstance(p, Unknown)]
        return parts[0] if parts else None


# --- patterns from values that may be unknown ------------------------------------------------------


def pattern(entry: Any, store: DataStore, types: dict[str, str] | None = None) -> list[Token] | Unknown:
    """An IAM ``Resource`` entry as tokens. A value known only after apply is read through its
    symbol: this data store's ``datastore_arn``/``datastore_id`` are its own parts, another data
    store's or another resource's ``arn`` a part no data store ARN holds (``foreign``), anything else
    an unknown part (``other``). ``types``: Terraform address -> resource type."""
    if isinstance(entry, str):
        return glob(entry)
    if not isinstance(entry, Unknown):
        return Unknown(f"not an ARN pattern: {str(entry)[:60]}")
    if entry.candidates or not entry.symbol:
        return Unknown(f"ARN pattern not known: {entry.reason}", entry.origin, entry.error)
    symbol = entry.symbol if "${" in entry.symbol else "${" + entry.symbol + "}"
    out: list[Token] = []
    position = 0
    for match in _INTERPOLATION.finditer(symbol):
        out += glob(symbol[position:match.start()])
        out += _interpolated(match.group(1).strip(), store, types or {})
        position = match.end()
    return out + glob(symbol[position:])


def _interpolated(expression: str, store: DataStore, types: dict[str, str]) -> list[Token]:
    address, _, attribute = expression.rpartition(".")
    if address and address == store.address:
        if attribute in _ARN_ATTRIBUTES:
            return store.arn_tokens()
        if attribute in _ID_ATTRIBUTES:
            return store.id_tokens()
    if address in store.others and attribute in (*_ARN_ATTRIBUTES, *_ID_ATTRIBUTES):
        return [("foreign",)]
    kind = types.get(address)
    if kind is not None and kind != DATASTORE_TYPE and attribute == "arn" and not address.startswith("data."):
        return [("foreign",)]
    return [("other",)]


# --- matching --------------------------------------------------------------------------------------


def intersects(first: Sequence[Token], second: Sequence[Token]) -> bool:
    """Can the two patterns (``*``, ``?`` and literal characters) match a common string?"""
    stack: list[tuple[int, int]] = [(0, 0)]
    seen: set[tuple[int, int]] = set()
    end = (len(first), len(second))
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == end:
            return True
        stack += _steps(first, second, *state)
    return False


_RUNS = {"*": None, "r": frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")}
_SINGLE = {"?": None, "w": _WORD_CHARS}


def _chars(token: Token) -> frozenset[str] | None:
    """The characters one step of ``token`` may produce (None: any character)."""
    if token[0] == "c":
        return frozenset(token[1])
    return _RUNS.get(token[0], _SINGLE.get(token[0]))


def _steps(a: Sequence[Token], b: Sequence[Token], i: int, j: int) -> list[tuple[int, int]]:
    """The product of the two patterns' automata: a run may end, or both sides produce one common
    character (a run stays where it is, any other token is consumed)."""
    out: list[tuple[int, int]] = []
    if i < len(a) and a[i][0] in _RUNS:
        out.append((i + 1, j))
    if j < len(b) and b[j][0] in _RUNS:
        out.append((i, j + 1))
    if i < len(a) and j < len(b):
        left, right = _chars(a[i]), _chars(b[j])
        if left is None or right is None or left & right:
            step = (i if a[i][0] in _RUNS else i + 1, j if b[j][0] in _RUNS else j + 1)
            if step != (i, j):
                out.append(step)
    return out


def _fill(tokens: Iterable[Token], wildcard: bool) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token[0] == "hole" and wildcard:
            length = _LENGTHS.get(token[1])
            out += [WORD] * length if length else [("r",)]
        elif token[0] == "hole":
            out += literal(_SENTINELS[token[1]])
        elif token[0] == "other":
            out.append(STAR)
        else:
            out.append(token)
    return out


def covers(tokens: list[Token] | Unknown, store: DataStore, *, image_sets: bool = True) -> Truth:
    """Does the pattern match the data store's ARN (or, with ``image_sets``, some image set's) for
    every value its unknown parts may hold (True), for none (False), or for some (Unknown)?"""
    if isinstance(tokens, Unknown):
        return tokens
    if any(t[0] == "foreign" for t in tokens):
        return False
    targets = store.targets(image_sets)
    if not any(t[0] == "other" for t in tokens):
        sure = _fill(tokens, wildcard=False)
        if any(intersects(sure, _fill(t, wildcard=False)) for t in targets):
            return True
    if not any(intersects(_fill(tokens, wildcard=True), _fill(t, wildcard=True)) for t in targets):
        return False
    return _undecided(tokens, store)


def covers_everything(tokens: list[Token] | Unknown, store: DataStore) -> Truth:
    """Does the pattern match the data store's ARN *and* every image set's in it, whatever the
    unknown parts hold (a Deny that refuses everything on the data store; a NotResource that leaves
    it all out)?"""
    if isinstance(tokens, Unknown):
        return tokens
    if any(t[0] == "foreign" for t in tokens):
        return False
    own = store.arn_tokens()
    every_image_set = [*own, *literal("/imageset/" + _ANY_IMAGE_SET)]
    if not any(t[0] == "other" for t in tokens):
        sure = _fill(tokens, wildcard=False)
        if all(intersects(sure, _fill(t, wildcard=False)) for t in (own, every_image_set)):
            return True
    loose = _fill(tokens, wildcard=True)
    if not all(intersects(loose, _fill(t, wildcard=True)) for t in (own, [*own, *literal("/imageset/"),
                                                                        *[WORD] * _LENGTHS["id"]])):
        return False
    return _undecided(tokens, store)


def _undecided(tokens: list[Token], store: DataStore) -> Unknown:
    shown = "".join(t[1] if t[0] == "c" else "*" if t == STAR else "?" if t == ("?",) else "…" for t in tokens)
    missing = store.unknown()
    if any(t[0] == "other" for t in tokens) or missing is None:
        return Unknown(f"whether the ARN pattern {shown} covers the data store is not known: part of it is "
                       "not known")
    return Unknown(f"whether the ARN pattern {shown} covers the data store is not known: the data store's "
                   f"region, account or id is not known ({missing.reason})", missing.origin)
