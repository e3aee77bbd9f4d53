"""Rules: data declared in rules/<provider>/*.yaml (one set for Terraform and live clouds), validated by the
catalog loader against the fact schema of the kind they judge."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.engine.predicates import Predicate, keys


@dataclass(frozen=True)
class Rule:
    id: str
    controls: tuple[str, ...]
    resource: str  # e.g. "aws.s3.bucket"
    title: str
    check: Predicate
    when: Predicate | None = None
    evidence: tuple[str, ...] = ()
    by_design: str | None = None
    origin: str = ""  # "rules/aws/s3.yaml:12"
    #: the inputs the rule judges ("terraform", "aws", ...); empty: every input that produces its kind
    inputs: tuple[str, ...] = ()
    #: fact keys whose values identify a failure (default: what failed, :mod:`scanner.engine.witness`)
    digest: tuple[str, ...] = ()

    @property
    def provider(self) -> str:
        return self.resource.split(".", 1)[0]

    def reads(self) -> tuple[str, ...]:
        """Every fact key the rule reads (when + check), in order, without duplicates."""
        seen: dict[str, None] = {}
        for predicate in (self.when, self.check):
            if predicate is not None:
                for key in keys(predicate):
                    seen.setdefault(key, None)
        return tuple(seen)

    def shown(self) -> tuple[str, ...]:
        """Fact keys shown as evidence: declared, else the top-level facts the check reads."""
        if self.evidence:
            return self.evidence
        return tuple(dict.fromkeys(k.split("[]", 1)[0].rstrip(".") for k in keys(self.check)))


def parse_rule(raw: Mapping[str, Any], origin: str) -> Rule:
    return Rule(
        id=raw["id"], controls=tuple(raw["controls"]), resource=raw["resource"], title=raw["title"],
        check=raw["check"], when=raw.get("when"), evidence=tuple(raw.get("evidence", ())),
        by_design=raw.get("by_design"), origin=origin, inputs=tuple(raw.get("inputs", ())),
        digest=tuple(raw.get("digest", ())),
    )


def parameters_used(predicate: Any) -> Iterator[str]:
    if isinstance(predicate, Mapping):
        if set(predicate) == {"param"}:
            yield str(predicate["param"])
        for value in predicate.values():
            yield from parameters_used(value)
    elif isinstance(predicate, list):
        for item in predicate:
            yield from parameters_used(item)
