"""The configuration's instances, indexed for normalisers: by type, and what configures what.

A Terraform setting often lives in a resource of its own that names the resource it configures
(``aws_s3_bucket_versioning.bucket = aws_s3_bucket.pacs.id``, ``azurerm_network_security_rule``
by NSG name and resource group). :meth:`Index.children` answers, for one parent instance, which
instances of a child type configure it, in two sets:

* ``certain``: the child's link argument was computed from this very instance (its ``refs``), or
  its known value equals one of the parent's identifying values (a bucket name);
* ``possible``: the child's link value is unknown and nothing ties it to another resource, so it
  may configure this parent. A normaliser must not let such a child make a setting pass (or let
  its absence make it fail): the setting is unknown.

A child whose known link value names a resource outside the configuration configures none of
ours: it is in neither set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfConfiguration, TfInstance

_INSTANCE_KEY = re.compile(r"\[[^\]]*\]$")


def config_address(address: str) -> str:
    """``module.a["k"].aws_s3_bucket.b[0]`` -> ``module.a["k"].aws_s3_bucket.b`` (the resource's own key)."""
    return _INSTANCE_KEY.sub("", address)


@dataclass(frozen=True)
class Linked:
    certain: tuple[TfInstance, ...] = ()
    possible: tuple[TfInstance, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.certain or self.possible)


@dataclass
class Index:
    config: TfConfiguration
    _by_type: dict[str, list[TfInstance]] = field(default_factory=dict)
    _by_address: dict[str, TfInstance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for instance in self.config.instances:
            key = instance.type if instance.mode == "managed" else f"data.{instance.type}"
            self._by_type.setdefault(key, []).append(instance)
            self._by_address[instance.address] = instance

    def of_type(self, *types: str) -> list[TfInstance]:
        """Managed resources of these types (``data.<type>`` for data sources), in configuration order."""
        return [i for t in types for i in self._by_type.get(t, ())]

    def get(self, address: str) -> TfInstance | None:
        return self._by_address.get(address)

    def referenced(self, instance: TfInstance, argument: str, *types: str) -> list[TfInstance]:
        """The instances of ``types`` that ``instance.<argument>`` was computed from."""
        out: list[TfInstance] = []
        for ref in instance.refs.get(argument, ()):
            found = self._by_address.get(ref)
            candidates = [found] if found is not None else [
                i for i in self._by_address.values() if config_address(i.address) == ref]
            out += [c for c in candidates if c.type in types and c not in out]
        return out

    def children(self, parent: TfInstance, child_types: Sequence[str], via: str,
                 identities: Iterable[object] = ()) -> Linked:
        """Instances of ``child_types`` whose ``via`` argument configures ``parent`` (see the module
        docstring). ``identities`` are the parent's identifying values (its name), known or not: a
        child naming a literal bucket may configure a parent whose name is unknown."""
        given = tuple(identities)
        return self.children_of([parent], child_types, via, lambda _parent: given)[parent.address]

    def children_of(self, parents: Sequence[TfInstance], child_types: Sequence[str], via: str,
                    identities: Callable[[TfInstance], Iterable[object]] = lambda _parent: ()) -> dict[str, Linked]:
        """:meth:`children` for many parents of one kind at once (each child is read once): parent
        address -> its children. A child's known ``via`` value decides for a parent whose identities
        are all known: it configures it exactly when the value is one of them, whatever else the value
        was computed from (``for_each = aws_s3_bucket.all`` refers to every instance, each child still
        names one bucket). An unknown value whose symbol names one parent instance
        (``aws_s3_bucket.b["k"].id``) configures that one. Otherwise the references decide."""
        wanted = {p.address for p in parents}
        types = tuple(dict.fromkeys(p.type for p in parents))
        by_identity: dict[object, set[str]] = {}
        unseen: set[str] = set()  # a parent with an identity nobody could see
        anonymous: set[str] = set()  # a parent given no identity: only references link it
        for parent in parents:
            given = list(identities(parent))
            if not given:
                anonymous.add(parent.address)
            for identity in given:
                if isinstance(identity, Unknown):
                    unseen.add(parent.address)
                elif isinstance(identity, Hashable):
                    by_identity.setdefault(identity, set()).add(parent.address)
        certain: dict[str, list[TfInstance]] = {a: [] for a in wanted}
        possible: dict[str, list[TfInstance]] = {a: [] for a in wanted}
        for child in self.of_type(*child_types):
            value = child.attrs.get(via)
            targets = [self.link(child, via, t) for t in types]
            exact = {a for t in targets for a in t.certain} & wanted
            maybe = {a for t in targets for a in t.possible} & wanted
            sure: set[str]
            if isinstance(value, Unknown):
                named = self._named(value, types)
                sure = {named} & wanted if named is not None else exact
                unsure = set() if named is not None or exact else wanted
            elif value is None:
                sure, unsure = exact, maybe
            else:
                known = by_identity.get(value, set()) if isinstance(value, Hashable) else set()
                sure = known | (exact & (unseen | anonymous))
                unsure = set() if exact else (maybe & anonymous) | unseen
            for address in sure:
                certain[address].append(child)
            for address in unsure - sure:
                possible[address].append(child)
        return {a: Linked(tuple(certain[a]), tuple(possible[a])) for a in wanted}

    def _named(self, value: Unknown, types: Sequence[str]) -> str | None:
        """The instance of ``types`` an unknown value's symbol names (``aws_s3_bucket.b["k"].id``)."""
        if not value.symbol or "${" in value.symbol or value.candidates:
            return None
        address, _, _attribute = value.symbol.rpartition(".")
        found = self._by_address.get(address)
        return found.address if found is not None and found.type in types else None

    def link(self, child: TfInstance, via: str, parent_type: str) -> _Targets:
        """Which instances of ``parent_type`` the child's ``via`` argument was computed from: exactly
        (an instance address), or possibly (a resource with instances, key not known)."""
        certain: set[str] = set()
        possible: set[str] = set()
        for ref in child.refs.get(via, ()):
            found = self._by_address.get(ref)
            if found is not None and found.type == parent_type and found.mode == "managed":
                certain.add(found.address)
                continue
            matches = [i.address for i in self._by_type.get(parent_type, ()) if config_address(i.address) == ref]
            if len(matches) == 1:
                certain.update(matches)
            else:
                possible.update(matches)
        return _Targets(frozenset(certain), frozenset(possible))


@dataclass(frozen=True)
class _Targets:
    certain: frozenset[str]
    possible: frozenset[str]


def module_of(instances: Iterable[TfInstance]) -> Mapping[str, list[TfInstance]]:
    out: dict[str, list[TfInstance]] = {}
    for instance in instances:
        out.setdefault(instance.module, []).append(instance)
    return out
