"""Code versus cloud: Terraform findings and live findings, per control and cloud resource.

Both sides are rolled up per (control, resource) the way a control summary is: the worst status
of the checks (``fail`` over ``error`` over ``pass``), and their observed values keyed by check
id. Terraform addresses become cloud ids through the state (:mod:`scanner.drift.state`).
Verdicts:

- ``agree``: both sides evaluated the control on the resource and reached the same outcome;
- ``drift``: one side passes and the other fails (both observed values are kept);
- ``only-in-code``: Terraform declares it but it is not deployed (not in the state), or the state
  has it and the live scan, which evaluates this control on this type, did not find it;
- ``only-in-cloud``: deployed but not managed by this Terraform ("shadow" storage is the case
  that matters most for PHI); provider defaults (default VPC, its ``default`` group and ACL)
  are ``not-compared`` instead;
- ``unevaluated``: one side could not evaluate (``error``/``unknown``): never read as agreement;
- ``not-compared``: only one side has a check for this control on this kind of resource
  (e.g. Terraform has no check for the account's root MFA), with the reason.

``drift``, ``only-in-code`` and ``only-in-cloud`` are differences (exit code 1).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.drift.state import LIVE_TO_TERRAFORM, StateIndex, StateResource, cloud_tail
from scanner.models import Finding, Source, Status

_CODE_SOURCES = frozenset({Source.TERRAFORM, Source.TERRAFORM_PLAN})
_LIVE_SOURCES = frozenset({Source.AWS})
_TERRAFORM_TO_LIVE = {tf: live for live, tfs in LIVE_TO_TERRAFORM.items() for tf in tfs}


class Verdict(enum.StrEnum):
    AGREE = "agree"
    DRIFT = "drift"
    ONLY_IN_CODE = "only-in-code"
    ONLY_IN_CLOUD = "only-in-cloud"
    UNEVALUATED = "unevaluated"
    NOT_COMPARED = "not-compared"

    @property
    def is_difference(self) -> bool:
        return self in (Verdict.DRIFT, Verdict.ONLY_IN_CODE, Verdict.ONLY_IN_CLOUD)


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNEVALUATED = "unevaluated"


@dataclass(frozen=True)
class Side:
    """One side's rolled-up verdict for a control on a resource."""

    status: Status
    address: str
    checks: tuple[str, ...]
    observed: Mapping[str, Any]
    file: str | None = None
    line: int | None = None
    #: the live resource's name (a security group named ``default`` is its VPC's default group)
    name: str | None = None

    @property
    def outcome(self) -> Outcome:
        if self.status.is_unevaluated:
            return Outcome.UNEVALUATED
        return Outcome.FAIL if self.status.is_failure or self.status is Status.WAIVED else Outcome.PASS


@dataclass(frozen=True)
class DriftItem:
    control_id: str
    #: the cloud id (ARN) where known, else the Terraform address
    resource: str
    verdict: Verdict
    code: Side | None
    cloud: Side | None
    terraform_address: str | None
    note: str = ""


@dataclass(frozen=True)
class DriftReport:
    items: tuple[DriftItem, ...]
    state_source: str = ""
    code_targets: tuple[str, ...] = ()
    live_targets: tuple[str, ...] = ()

    def by_verdict(self, verdict: Verdict) -> tuple[DriftItem, ...]:
        return tuple(i for i in self.items if i.verdict is verdict)

    @property
    def differences(self) -> tuple[DriftItem, ...]:
        return tuple(i for i in self.items if i.verdict.is_difference)

    def counts(self) -> dict[str, int]:
        return {v.value: len(self.by_verdict(v)) for v in Verdict}


@dataclass(frozen=True)
class LiveCoverage:
    """Which live resource types the live rules evaluate each control on (from the catalog)."""

    types_by_control: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def evaluates(self, control_id: str, live_type: str) -> bool:
        return live_type in self.types_by_control.get(control_id, frozenset())


def compare(code: Iterable[Finding], live: Iterable[Finding], state: StateIndex,
            coverage: LiveCoverage) -> DriftReport:
    found = [f for f in live if f.source in _LIVE_SOURCES]
    cloud = _group(found)
    cloud_types = {f.resource.address: f.resource.type for f in found}
    unlisted = frozenset(f.resource.type for f in found if "could_not_list" in f.evidence)
    items: list[DriftItem] = []
    matched: set[tuple[str, str]] = set()
    for (control, address), side in sorted(_group(f for f in code if f.source in _CODE_SOURCES).items()):
        deployed = state.resolve(address)
        if not deployed:
            items.append(DriftItem(control, address, Verdict.ONLY_IN_CODE, side, None, address,
                                   "declared in Terraform but not in the state: not deployed"))
            continue
        for resource in deployed:
            item = _code_item(control, side, resource, cloud, cloud_types, coverage, unlisted)
            matched.add((control, item.resource))
            items.append(item)
    for (control, cloud_id), side in sorted(cloud.items()):
        if (control, cloud_id) not in matched:
            items.append(_cloud_item(control, cloud_id, side, cloud_types[cloud_id], state))
    return DriftReport(items=tuple(items), state_source=state.source)


def _code_item(control: str, side: Side, resource: StateResource, cloud: Mapping[tuple[str, str], Side],
               cloud_types: Mapping[str, str], coverage: LiveCoverage, unlisted: frozenset[str]) -> DriftItem:
    live_type = _TERRAFORM_TO_LIVE.get(resource.type)
    cloud_id = _live_id(resource, live_type, cloud_types)
    other = cloud.get((control, cloud_id))
    if other is not None:
        return _both(control, cloud_id, side, other, resource.address)
    if live_type is None or not coverage.evaluates(control, live_type):
        why = f"the live scan has no check for {control} on {resource.type}"
        return DriftItem(control, cloud_id, Verdict.NOT_COMPARED, side, None, resource.address, why)
    if live_type in unlisted:
        return DriftItem(control, cloud_id, Verdict.UNEVALUATED, side, None, resource.address,
                         f"the live scan could not list {live_type} (see its error findings)")
    if cloud_id in cloud_types:
        why = f"the live scan found the resource but did not evaluate {control} on it (out of scope there)"
        return DriftItem(control, cloud_id, Verdict.NOT_COMPARED, side, None, resource.address, why)
    return DriftItem(control, cloud_id, Verdict.ONLY_IN_CODE, side, None, resource.address,
                     "in the Terraform state but not found by the live scan: deleted outside Terraform, "
                     "or in a region or account that was not scanned")


def _live_id(resource: StateResource, live_type: str | None, cloud_types: Mapping[str, str]) -> str:
    """The address the live scan uses for a state resource (ARN, matched by alias), else its own id."""
    for address, type_ in cloud_types.items():
        if type_ == live_type and (address in resource.aliases or cloud_tail(address) in resource.aliases):
            return address
    return resource.cloud_id


def _both(control: str, cloud_id: str, code: Side, cloud: Side, address: str) -> DriftItem:
    if Outcome.UNEVALUATED in (code.outcome, cloud.outcome):
        side = "Terraform" if code.outcome is Outcome.UNEVALUATED else "the live scan"
        return DriftItem(control, cloud_id, Verdict.UNEVALUATED, code, cloud, address,
                         f"{side} could not evaluate it ({code.status} in code, {cloud.status} in the cloud)")
    if code.outcome is cloud.outcome:
        return DriftItem(control, cloud_id, Verdict.AGREE, code, cloud, address)
    how = "code passes, cloud fails" if code.outcome is Outcome.PASS else "code fails, cloud passes"
    return DriftItem(control, cloud_id, Verdict.DRIFT, code, cloud, address, how)


def _cloud_item(control: str, cloud_id: str, side: Side, live_type: str, state: StateIndex) -> DriftItem:
    owner = state.owner(cloud_id, live_type)
    if owner is not None:
        why = f"Terraform has no check for {control} on {owner.type}"
        return DriftItem(control, cloud_id, Verdict.NOT_COMPARED, None, side, owner.address, why)
    if live_type not in LIVE_TO_TERRAFORM:
        return DriftItem(control, cloud_id, Verdict.NOT_COMPARED, None, side, None,
                         f"{live_type} is an account or region setting, not a resource Terraform declares here")
    if side.outcome is Outcome.UNEVALUATED and not cloud_id.startswith("arn:"):
        return DriftItem(control, cloud_id, Verdict.UNEVALUATED, None, side, None,
                         "the live scan could not list this resource type")
    if _provider_default(side, live_type):
        return DriftItem(control, cloud_id, Verdict.NOT_COMPARED, None, side, None,
                         "a provider default (default VPC, security group or network ACL), not declared in Terraform")
    return DriftItem(control, cloud_id, Verdict.ONLY_IN_CLOUD, None, side, None,
                     "deployed but not managed by this Terraform state")


def _provider_default(side: Side, live_type: str) -> bool:
    observed = [v for v in side.observed.values() if isinstance(v, Mapping)]
    if any(o.get("is_default") is True for o in observed):
        return True
    return live_type == "aws.ec2.security_group" and side.name == "default"


def _group(findings: Iterable[Finding]) -> dict[tuple[str, str], Side]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.status in (Status.ATTESTED, Status.MISSING, Status.EXPIRED):
            continue
        grouped.setdefault((str(f.control_id), f.resource.address), []).append(f)
    return {key: _side(found) for key, found in grouped.items()}


def _side(found: Sequence[Finding]) -> Side:
    worst = max(found, key=lambda f: f.status.rank)
    observed: dict[str, Any] = {}
    for f in sorted(found, key=lambda f: f.check_id):
        observed[f.check_id] = _observed(f)
    first = found[0].resource
    line = first.line_range[0] if first.line_range else None
    name = found[0].evidence.get("resource_name")
    return Side(status=worst.status, address=first.address, checks=tuple(sorted({f.check_id for f in found})),
                observed=observed, file=first.file, line=line, name=name if isinstance(name, str) else None)


def _observed(f: Finding) -> Any:
    evidence = f.evidence
    if "observed" in evidence:
        return evidence["observed"]
    for key in ("could_not_read", "could_not_list", "rule_error", "reason"):
        if key in evidence:
            return {key: evidence[key]}
    return {"message": f.message}
