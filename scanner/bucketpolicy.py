"""The one reading of an S3 bucket policy, for Terraform and live alike: facts ``policy`` and
``policy_status`` of ``aws.s3.bucket`` (rules/facts/aws-storage.yaml).

A statement protects the bucket only as a *blanket* Deny: ``Effect`` Deny, ``Principal`` everyone
(``*`` or ``{"AWS": "*"}``; a ``NotPrincipal`` is not everyone), ``Action`` every S3 action
(``s3:*`` or ``*``; a ``NotAction`` is not), ``Resource`` covering the bucket ARN *and* all its
objects (``arn:aws:s3:::b`` and ``arn:aws:s3:::b/*``, or wildcards covering them: a Deny on the
bucket ARN alone does not protect the objects, one on ``b/*`` alone leaves listing open; two
statements with the same condition, one on each, cover both), and no condition but the one that
makes it the control:

* ``denies_insecure_transport``: the only condition is ``Bool``/``BoolIfExists``
  ``aws:SecureTransport`` with every value false (``"false"`` or ``false``). A further condition
  (``StringEquals aws:PrincipalOrgID``, ``aws:PrincipalAccount``, ...) narrows the Deny to some
  requests: not a blanket deny.
* ``network_denies[]``: one item per blanket Deny whose only conditions exempt networks:
  ``StringNotEquals[IfExists]`` on ``aws:SourceVpce``/``aws:SourceVpc``, ``NotIpAddress[IfExists]`` on
  ``aws:SourceIp``; the item lists what it exempts (``source_vpce``, ``source_vpc``, ``source_ip``).
* ``policy_status.is_public``: some Allow grants everyone (``Principal`` ``*``/``{"AWS": "*"}``, or a
  ``NotPrincipal``) without a condition that pins the caller to fixed values of the keys AWS
  accepts as non-public (``aws:SourceVpce``, ``aws:PrincipalOrgID``, ``aws:SourceIp`` not the whole
  internet, ...), the same reading as AWS's own ``GetBucketPolicyStatus`` where the document says
  enough; live, AWS's answer is used.

Unknown parts decide nothing: a Resource entry known only after apply covers the bucket only when its
symbol names this bucket's own ``arn`` (or ``${arn}/*``); otherwise the facts it decides are unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scanner.facts.logic import Truth, all_of, any_of, negate, pick
from scanner.facts.types import network
from scanner.facts.values import Unknown, to_json
from scanner.policydoc import Condition, as_list, conditions, document_of, effect_is, everyone, has, statements

__all__ = ["Bucket", "blanket_deny", "bucket_policy_facts", "coverage", "denies_everyone", "document_of"]

#: stands for a bucket name nobody could see: no bucket is named so, a literal pattern never
#: matches it unless through a wildcard
_UNSEEN = "\x1fpacscan-unseen-bucket\x1f"
_PARTITION = re.compile(r"^arn:aws(?:-[a-z]+)*:")


@dataclass(frozen=True)
class Bucket:
    """The bucket a policy is attached to: its name (known or not) and, in Terraform, its address,
    so that ``aws_s3_bucket.b.arn`` and ``${aws_s3_bucket.b.arn}/*`` read as this bucket's ARNs."""

    name: str | Unknown
    address: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name if isinstance(self.name, str) else _UNSEEN}"

    def resolve(self, entry: Any) -> str | Unknown:
        """A Resource entry as an ARN pattern; an unknown one through its symbol, where that names
        only this bucket's ARN, id or name."""
        if isinstance(entry, str):
            return _PARTITION.sub("arn:aws:", entry)
        if not isinstance(entry, Unknown):
            return Unknown(f"Resource entry is not a string: {str(entry)[:60]}")
        if entry.symbol and self.address and not entry.candidates:
            name = self.name if isinstance(self.name, str) else _UNSEEN
            own = {f"{self.address}.arn": self.arn, f"{self.address}.id": name, f"{self.address}.bucket": name}
            text = own.get(entry.symbol, entry.symbol)
            for symbol, replacement in own.items():
                text = text.replace("${" + symbol + "}", replacement)
            if entry.symbol in own or (text != entry.symbol and "${" not in text):
                return _PARTITION.sub("arn:aws:", text)
        return Unknown(f"Resource entry {entry.symbol or ''} is not known: {entry.reason}".replace("  ", " "),
                       entry.origin, entry.error)


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM resource pattern: ``*`` any run of characters, ``?`` any one character."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def _entry_covers(entry: Any, bucket: Bucket, objects: bool) -> Truth:
    """Does one Resource entry cover the bucket (``objects``: every object in it)?"""
    pattern = bucket.resolve(entry)
    if isinstance(pattern, Unknown):
        return pattern
    target = bucket.arn + ("/" if objects else "")
    if objects:
        # a pattern ending in * that matches the prefix matches the prefix followed by anything
        hit = pattern.endswith("*") and _glob(pattern).fullmatch(target) is not None
    else:
        hit = _glob(pattern).fullmatch(target) is not None
    if hit:
        return True
    if isinstance(bucket.name, Unknown) and _UNSEEN not in pattern and pattern.startswith("arn:aws:s3:::"):
        return Unknown(f"the bucket name is not known, so whether {pattern} names it cannot be told: "
                       f"{bucket.name.reason}", bucket.name.origin, bucket.name.error)
    return False


def coverage(statement: Mapping[str, Any], bucket: Bucket) -> tuple[Truth, Truth]:
    """Does ``Resource`` cover (the bucket ARN, every object of it)? (``b`` and ``b/*``, or wildcards
    covering them.) A ``NotResource`` statement is not counted (what it leaves out is not read)."""
    if "NotResource" in statement:
        return False, False
    entries = statement.get("Resource")
    if entries is None:
        return False, False
    if isinstance(entries, Unknown):
        return entries, entries
    listed = as_list(entries)
    return (any_of(_entry_covers(e, bucket, False) for e in listed),
            any_of(_entry_covers(e, bucket, True) for e in listed))


def denies_everyone(statement: Mapping[str, Any]) -> Truth:
    """A Deny for everyone (``Principal`` ``*``/``{"AWS": "*"}``, no ``NotPrincipal``) of every S3
    action (``s3:*``/``*``, no ``NotAction``), whatever its resources and conditions."""
    if "NotPrincipal" in statement or "NotAction" in statement:
        return False
    return all_of([effect_is(statement, "deny"), everyone(statement.get("Principal")),
                   has(statement.get("Action"), "*", "s3:*")])


def blanket_deny(statement: Mapping[str, Any], bucket: Bucket) -> Truth:
    """:func:`denies_everyone` on the bucket and all its objects (conditions aside)."""
    return all_of([denies_everyone(statement), *coverage(statement, bucket)])


# --- the controls ----------------------------------------------------------------------------------

_TLS_OPS = ("bool", "boolifexists")
_NETWORK_SLOTS = {
    ("stringnotequals", "aws:sourcevpce"): "source_vpce", ("stringnotequalsifexists", "aws:sourcevpce"): "source_vpce",
    ("stringnotequals", "aws:sourcevpc"): "source_vpc", ("stringnotequalsifexists", "aws:sourcevpc"): "source_vpc",
    ("notipaddress", "aws:sourceip"): "source_ip", ("notipaddressifexists", "aws:sourceip"): "source_ip",
}


def _all_false(values: list[Any]) -> Truth:
    parts: list[Truth] = [v if isinstance(v, Unknown) else str(v).lower() == "false" for v in values]
    return all_of(parts) if parts else False


def only_insecure_transport(statement: Mapping[str, Any]) -> Truth:
    """Is the statement's only condition ``aws:SecureTransport`` false?"""
    entries = conditions(statement)
    parts: list[Truth] = []
    tls = False
    for entry in entries:
        if isinstance(entry, Unknown):
            parts.append(entry)
            continue
        op, key, values = entry
        if op.lower() not in _TLS_OPS or key.lower() != "aws:securetransport":
            return False  # a further condition narrows the Deny
        tls = True
        parts.append(_all_false(values))
    if not tls and not any(isinstance(e, Unknown) for e in entries):
        return False  # no aws:SecureTransport condition (an unknown entry could be one)
    return all_of(parts)


def only_network(statement: Mapping[str, Any]) -> dict[str, list[Any]] | Unknown | None:
    """The networks a statement exempts when its only conditions are on the caller's network; None
    when another condition narrows it; Unknown where a condition cannot be read."""
    exempt: dict[str, list[Any]] = {"source_vpce": [], "source_vpc": [], "source_ip": []}
    unseen: list[Unknown] = []
    for entry in conditions(statement):
        if isinstance(entry, Unknown):
            unseen.append(entry)
            continue
        op, key, values = entry
        slot = _NETWORK_SLOTS.get((op.lower(), key.lower()))
        if slot is None:
            return None  # a further condition narrows the Deny
        exempt[slot] += values
    return pick(unseen) if unseen else exempt


def _covered(parts: list[tuple[Truth, Truth]]) -> Truth:
    """Statements that each hold for (the bucket, its objects), together covering both."""
    return all_of([any_of(p[0] for p in parts), any_of(p[1] for p in parts)])


#: condition keys AWS accepts as restricting a grant to everyone (fixed values only)
_PINNING_KEYS = frozenset({
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:userid", "aws:sourceip", "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
})
_EQUALS = ("stringequals", "stringequalsignorecase", "arnequals")
_LIKE = ("stringlike", "arnlike")


def _pins(entry: Condition | Unknown) -> Truth:
    """Does this condition entry pin the caller to fixed values of a non-public key?"""
    if isinstance(entry, Unknown):
        return entry
    op, key, values = entry
    op, key = op.lower(), key.lower()
    if key not in _PINNING_KEYS or op not in (*_EQUALS, *_LIKE, "ipaddress"):
        return False
    if not values:
        return False
    checks: list[Truth] = []
    for value in values:
        if isinstance(value, Unknown):
            checks.append(True if op in _EQUALS and not value.spread else value)
        elif op == "ipaddress":
            net = network(str(value))
            checks.append(net is not None and net.prefixlen > 0)
        else:
            checks.append(op in _EQUALS or not ({"*", "?"} & set(str(value))))
    return all_of(checks)


def grants_everyone(statement: Mapping[str, Any]) -> Truth:
    """An Allow to everyone that no condition pins to fixed callers (a public grant)."""
    allow = effect_is(statement, "allow")
    if allow is False:
        return False
    who: Truth = True if "NotPrincipal" in statement else everyone(statement.get("Principal"))
    pinned = any_of(_pins(e) for e in conditions(statement))
    return all_of([allow, who, negate(pinned)])


def _unknown_about(fact: str, why: Unknown) -> Unknown:
    return Unknown(f"{fact}: {why.reason}", why.origin, why.error)


def bucket_policy_facts(document: Any, bucket: Bucket) -> tuple[Any, Any]:
    """``(policy, policy_status)`` for a bucket policy document (None: no policy; an Unknown or a
    document with unknown parts: see :func:`scanner.policydoc.document_of`). The bucket and its
    objects may be covered by one statement or by several with the same conditions (a Deny on
    ``b`` beside the same Deny on ``b/*``)."""
    if document is None:
        return None, None
    listed = statements(document)
    if isinstance(listed, Unknown):
        why = _unknown_about("bucket policy", listed)
        return why, {"is_public": why}
    tls: list[tuple[Truth, Truth]] = []
    public: list[Truth] = []
    networks: dict[str, tuple[dict[str, list[Any]], list[tuple[Truth, Truth]]]] = {}
    unseen_networks: list[Any] = []
    for statement in listed:
        if isinstance(statement, Unknown):
            why = _unknown_about("a statement of the bucket policy", statement)
            tls.append((why, why))
            public.append(why)
            unseen_networks.append(why)
            continue
        base = denies_everyone(statement)
        on_bucket, on_objects = coverage(statement, bucket)
        secure = all_of([base, only_insecure_transport(statement)])
        tls.append((all_of([secure, on_bucket]), all_of([secure, on_objects])))
        public.append(grants_everyone(statement))
        exempt = only_network(statement) if base is not False else None
        if isinstance(exempt, Unknown):
            unseen_networks.append(_unknown_about("a condition of a Deny", exempt))
        elif exempt is not None:
            group = networks.setdefault(json.dumps(to_json(exempt), sort_keys=True), (exempt, []))
            group[1].append((all_of([base, on_bucket]), all_of([base, on_objects])))
    items: list[Any] = []
    for exempt, parts in networks.values():
        covered = _covered(parts)
        if covered is not False:
            items.append(exempt if covered is True else covered)
    unseen = [s for s in listed if isinstance(s, Unknown)]
    count: Any = _unknown_about("statement count", unseen[0]) if unseen else len(listed)
    policy = {"statement_count": count, "denies_insecure_transport": _covered(tls),
              "network_denies": items + unseen_networks}
    return policy, {"is_public": any_of(public)}
