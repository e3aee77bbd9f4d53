"""Checks of one shape: a storage setting declared on the resource itself or on a connected
resource (an S3 bucket's encryption in ``aws_s3_bucket_server_side_encryption_configuration``,
a storage account's key in ``azurerm_storage_account_customer_managed_key``), reported on the
storage resource.

These were Checkov YAML graph checks (``cond_type: connection``). Checkov's connection solver
compares every graph edge against lists of vertex dicts, which made each such check quadratic:
at 5,000 resources the six of them cost more than all of Checkov's parsing. Here the connected
resources come from :mod:`policies.terraform.graph_index`, built once per scan.

Verdict: the best over the places the setting can be declared. Satisfied anywhere passes; a
value Checkov could not render is UNKNOWN unless another place satisfies it; declared nowhere,
or only unsatisfied, fails.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.terraform.aws_common import connected_resources
from policies.terraform.aws_common import is_unresolved as aws_unresolved
from policies.terraform.azure_gcp_common import is_unresolved as azure_gcp_unresolved
from policies.terraform.common import Observation, as_bool, combine, first, list_blocks

PASSED, FAILED, UNKNOWN = CheckResult.PASSED, CheckResult.FAILED, CheckResult.UNKNOWN


def best(observations: Iterable[Observation]) -> CheckResult:
    """PASSED if any observation passes, else UNKNOWN if any is unknown, else FAILED (also
    when there is none: nothing declared)."""
    results = {o.result for o in observations}
    for verdict in (PASSED, UNKNOWN):
        if verdict in results:
            return verdict
    return FAILED


def blocks_at(conf: dict[str, Any], path: Sequence[str]) -> list[dict[str, Any]]:
    """Every nested block at ``path``, in either of Checkov's shapes: a check's
    ``{key: [value]}`` lists, or a graph vertex's bare dicts and values."""
    found: list[dict[str, Any]] = [conf]
    for name in path:
        nested: list[dict[str, Any]] = []
        for item in found:
            value = item.get(name)
            nested += [value] if isinstance(value, dict) else list_blocks(value)
        found = nested
    return found


def values(conf: dict[str, Any], path: Sequence[str]) -> list[Any]:
    """Every value of the attribute at ``path`` (nested block names, then the attribute)."""
    return [first(block, path[-1]) for block in blocks_at(conf, path[:-1]) if path[-1] in block]


def is_unrendered(value: Any) -> bool:
    """A value Checkov left as an expression (``var.x``, ``aws_kms_key.k.arn``, ``${...}``),
    by either provider family's reading of references."""
    return aws_unresolved(value) or azure_gcp_unresolved(value)


def setting(label: str, value: Any, accept: tuple[str, ...]) -> Observation:
    """``value`` (present) compared with the accepted literals."""
    if value in accept:
        return Observation(f"{label}={value}", PASSED)
    if is_unrendered(value):
        return Observation(f"{label}={value}: not resolvable before apply", UNKNOWN)
    return Observation(f"{label}={value}", FAILED)


def flag(label: str, value: Any, want: bool, default: bool) -> Observation:
    """A boolean attribute compared with ``want``; absent (None), the provider ``default``."""
    literal = default if value is None else as_bool(value)
    if literal is None:
        return Observation(f"{label}={value}: not a literal boolean", UNKNOWN)
    shown = f"{label}={str(literal).lower()}" + (" (not set: the provider default)" if value is None else "")
    return Observation(shown, PASSED if literal == want else FAILED)


def all_of(label: str, observations: Sequence[Observation]) -> Observation:
    """One observation for several facts about one resource: the worst of them."""
    return Observation(f"{label}: " + "; ".join(o.text for o in observations), combine(observations))


class DeclaredCheck(BaseResourceCheck):
    """See the module docstring. Subclasses say where the setting can be declared."""

    #: attribute paths reported as evaluated (pacscan shows their values as evidence)
    keys: tuple[str, ...] = ()
    #: (resource type, attribute that references this resource) of the connected resources
    linked: tuple[tuple[str, str], ...] = ()
    #: the text when the setting is declared nowhere
    absent: str = ""

    def __init__(self, name: str, id: str, resource: str, category: CheckCategories) -> None:
        super().__init__(name=name, id=id, categories=[category], supported_resources=[resource])

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = list(self.keys)
        observations = list(self.inline(conf))
        for resource_type, via in self.linked:
            found = connected_resources(self.graph, conf, resource_type, via)
            if found is None:
                observations.append(Observation(
                    f"Checkov provided no resource graph: {resource_type} not visible", UNKNOWN))
                continue
            for attrs in found:
                observations += self.connected(str(attrs.get("__address__", resource_type)), attrs)
        self.details = [o.text for o in observations] or [self.absent]
        return best(observations)

    @abstractmethod
    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        """What the resource itself declares."""

    @abstractmethod
    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        """What one connected resource (of a ``linked`` type) declares."""
