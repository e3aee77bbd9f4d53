"""``azurerm_application_gateway`` -> ``azure.network.application_gateway``: the TLS policy of the
gateway (``ssl_policy``) and of each SSL profile (``ssl_profile { ssl_policy }``), which replaces the
gateway's policy on the listeners that use the profile.

``lowest_protocol`` is the lowest protocol a policy accepts, as the live collector reads it: the
documented minimum of a predefined policy, else ``min_protocol_version`` (custom policies), else
the lowest protocol not in ``disabled_protocols``. A predefined policy this scanner does not know,
or a value that is not known, is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block, blocks
from policies.terraform.azure.common import Facts, mapped, text
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.network.application_gateway"
GATEWAY = "azurerm_application_gateway"
#: the minimum protocol of each predefined Application Gateway SSL policy (Azure documentation)
PREDEFINED_MIN_PROTOCOL = {
    "AppGwSslPolicy20150501": "TLSv1_0",
    "AppGwSslPolicy20170401": "TLSv1_1",
    "AppGwSslPolicy20170401S": "TLSv1_2",
    "AppGwSslPolicy20220101": "TLSv1_2",
    "AppGwSslPolicy20220101S": "TLSv1_2",
}
TLS_VERSIONS = ("TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3")


def gateways(index: Index) -> list[Resource]:
    return [gateway(instance) for instance in index.of_type(GATEWAY)]


def gateway(instance: TfInstance) -> Resource:
    attrs = instance.attrs
    facts = Facts(instance)
    facts.put("ssl_policy", ssl_policy(block(attrs, "ssl_policy")), "ssl_policy")
    profiles: list[Any] = []
    for profile in blocks(attrs, "ssl_profile"):
        if isinstance(profile, Mapping):
            policy = ssl_policy(block(profile, "ssl_policy"))
            lowest = policy.get("lowest_protocol") if isinstance(policy, Mapping) else policy
            if policy is None:
                lowest = Unknown(f"SSL profile {profile.get('name')!r} has no ssl_policy: which protocols its "
                                 "listeners accept is not known")
            profiles.append({"name": profile.get("name"), "lowest_protocol": lowest})
        else:
            profiles.append(profile)
    facts.put("ssl_profiles", profiles, "ssl_profile")
    return facts.resource(KIND, name=attrs.get("name"), tags=arg(attrs, "tags", {}))


def ssl_policy(policy: Mapping[str, Any] | Unknown | None) -> Any:
    if policy is None or isinstance(policy, Unknown):
        return policy
    disabled = arg(policy, "disabled_protocols", [])
    return {
        "policy_type": text(policy, "policy_type"), "policy_name": text(policy, "policy_name"),
        "min_protocol_version": text(policy, "min_protocol_version"),
        "disabled_protocols": disabled, "lowest_protocol": lowest_protocol(policy),
    }


def lowest_protocol(policy: Mapping[str, Any]) -> Any:
    name, minimum = text(policy, "policy_name"), text(policy, "min_protocol_version")
    if isinstance(name, Unknown):
        return mapped(name, lambda n: _predefined(n, minimum, policy))
    return _predefined(name, minimum, policy)


def _predefined(name: Any, minimum: Any, policy: Mapping[str, Any]) -> Any:
    if isinstance(name, str) and name in PREDEFINED_MIN_PROTOCOL:
        return PREDEFINED_MIN_PROTOCOL[name]
    if minimum is not None:
        return minimum
    if name not in (None, ""):
        return Unknown(f"policy_name {name!r} is not a predefined policy this scanner knows")
    disabled = arg(policy, "disabled_protocols", [])
    if isinstance(disabled, Unknown):
        return disabled
    if not isinstance(disabled, list | tuple | set | frozenset):
        return Unknown(f"disabled_protocols is not a list: {disabled!r}")
    for version in TLS_VERSIONS:
        if version in disabled:
            continue
        unseen = next((d for d in disabled if isinstance(d, Unknown)), None)
        return unseen if unseen is not None else version
    return Unknown("every TLS version is disabled")
