"""Resource identity across code and cloud, from Terraform state.

A Terraform finding names a resource by its address (``module.pacs_images.aws_s3_bucket.this``,
``aws_subnet.private[0]``, ``aws_s3_bucket.site["x"]``); a live finding names it by ARN (or by
id where there is no ARN). The state says which is which. Two inputs are accepted:

- ``terraform show -json`` of the state (``values.root_module`` with nested ``child_modules``);
- a raw state file (``terraform.tfstate``, format version 4: ``resources[].instances[]``).

Each managed resource instance becomes a :class:`StateResource` with its full address, its
address without instance keys (what a scan of the HCL folder reports for a ``count`` or
``for_each`` resource), and its aliases (``arn``, ``id``, and ``bucket``/``name`` where set).
Sub-resources that configure a parent (``aws_s3_bucket_versioning`` -> its bucket) resolve to
the parent, so a Terraform finding reported on either lands on the cloud resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError


class StateError(InputError):
    """The Terraform state file is unreadable or is not a Terraform state."""


#: live resource type -> the Terraform resource types that manage it.
LIVE_TO_TERRAFORM: Mapping[str, tuple[str, ...]] = {
    "aws.s3.bucket": ("aws_s3_bucket",),
    "aws.ec2.security_group": ("aws_security_group", "aws_default_security_group"),
    "aws.ec2.network_acl": ("aws_network_acl", "aws_default_network_acl"),
    "aws.ec2.vpc": ("aws_vpc", "aws_default_vpc"),
    "aws.ec2.volume": ("aws_ebs_volume",),
    "aws.kms.key": ("aws_kms_key",),
    "aws.backup.vault": ("aws_backup_vault",),
    "aws.backup.plan": ("aws_backup_plan",),
    "aws.cloudtrail.trail": ("aws_cloudtrail",),
    "aws.elbv2.listener": ("aws_lb_listener", "aws_alb_listener"),
    "aws.cloudfront.distribution": ("aws_cloudfront_distribution",),
    "aws.rds.instance": ("aws_db_instance",),
    "aws.rds.cluster": ("aws_rds_cluster",),
    "aws.iam.user": ("aws_iam_user",),
}

#: sub-resource type -> (parent types, the attribute naming the parent)
_PARENT_VIA: Mapping[str, tuple[tuple[str, ...], str]] = {
    **{f"aws_s3_bucket_{kind}": (("aws_s3_bucket",), "bucket") for kind in (
        "versioning", "server_side_encryption_configuration", "public_access_block", "ownership_controls",
        "policy", "logging", "acl", "lifecycle_configuration", "object_lock_configuration", "replication_configuration",
        "notification")},
    "aws_security_group_rule": (("aws_security_group",), "security_group_id"),
    "aws_vpc_security_group_ingress_rule": (("aws_security_group",), "security_group_id"),
    "aws_backup_vault_lock_configuration": (("aws_backup_vault",), "backup_vault_name"),
    "aws_flow_log": (("aws_vpc",), "vpc_id"),
}
_ALIAS_KEYS = ("arn", "id", "bucket", "name")
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')


def config_address(address: str) -> str:
    """``module.a["x"].aws_subnet.private[0]`` -> ``module.a.aws_subnet.private``."""
    return _INSTANCE_KEY.sub("", address)


def cloud_tail(cloud_id: str) -> str:
    """The last segment of an ARN: ``arn:aws:s3:::name`` -> ``name``; ``.../sg-1`` -> ``sg-1``."""
    return cloud_id.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


@dataclass(frozen=True)
class StateResource:
    address: str
    type: str
    aliases: frozenset[str]
    #: the value of the attribute naming the parent, for sub-resources (``bucket`` etc.)
    parent_ref: str | None = None

    @property
    def config_address(self) -> str:
        return config_address(self.address)

    @property
    def cloud_id(self) -> str:
        """The ARN where the state records one, else the id."""
        arns = sorted(a for a in self.aliases if a.startswith("arn:"))
        return arns[0] if arns else min(self.aliases, default=self.address)


@dataclass(frozen=True)
class StateIndex:
    resources: tuple[StateResource, ...]
    source: str = ""

    def instances(self, address: str) -> tuple[StateResource, ...]:
        """The deployed instances a finding address stands for: the exact instance, or every
        instance of a ``count``/``for_each`` resource when the address carries no key."""
        exact = tuple(r for r in self.resources if r.address == address)
        if exact:
            return exact
        return tuple(r for r in self.resources if r.config_address == address)

    def resolve(self, address: str) -> tuple[StateResource, ...]:
        """Like :meth:`instances`, with sub-resources replaced by the resource they configure."""
        out: list[StateResource] = []
        for found in self.instances(address):
            parent = self._parent(found)
            out.append(parent or found)
        return tuple(dict.fromkeys(out))

    def _parent(self, resource: StateResource) -> StateResource | None:
        via = _PARENT_VIA.get(resource.type)
        if via is None or resource.parent_ref is None:
            return None
        types, _attr = via
        return next((r for r in self.resources if r.type in types and resource.parent_ref in r.aliases), None)

    def owner(self, cloud_id: str, live_type: str) -> StateResource | None:
        """The state resource that manages the live resource ``cloud_id``, if any."""
        types = LIVE_TO_TERRAFORM.get(live_type, ())
        candidates = [r for r in self.resources if r.type in types]
        exact = next((r for r in candidates if cloud_id in r.aliases), None)
        if exact is not None:
            return exact
        tail = cloud_tail(cloud_id)
        return next((r for r in candidates if tail in r.aliases), None)


def load_state(path: Path) -> StateIndex:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise StateError(f"cannot read: {getattr(err, 'strerror', None) or err}", path=str(path)) from err
    except json.JSONDecodeError as err:
        raise StateError(f"not JSON: {err.msg}", path=str(path), line=err.lineno) from err
    return parse_state(doc, str(path))


def parse_state(doc: Any, source: str = "") -> StateIndex:
    if not isinstance(doc, dict):
        raise StateError("not a Terraform state (expected a JSON object)", path=source or None)
    if isinstance(doc.get("values"), dict) and "format_version" in doc:
        root = doc["values"].get("root_module") or {}
        return StateIndex(tuple(_from_show(root)), source)
    if isinstance(doc.get("resources"), list) and "version" in doc:
        return StateIndex(tuple(_from_raw(doc["resources"])), source)
    if "format_version" in doc and "values" not in doc:  # `terraform show -json` of an empty state
        return StateIndex((), source)
    raise StateError("not a Terraform state: expected `terraform show -json` output or a terraform.tfstate file",
                     path=source or None)


def _from_show(module: Mapping[str, Any]) -> Iterator[StateResource]:
    for item in module.get("resources") or ():
        if item.get("mode") == "managed":
            yield _resource(str(item["address"]), str(item["type"]), item.get("values") or {})
    for child in module.get("child_modules") or ():
        yield from _from_show(child)


def _from_raw(resources: list[Any]) -> Iterator[StateResource]:
    for item in resources:
        if item.get("mode") != "managed":
            continue
        prefix = f"{item['module']}." if item.get("module") else ""
        base = f"{prefix}{item['type']}.{item['name']}"
        for instance in item.get("instances") or ():
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            yield _resource(base + suffix, str(item["type"]), instance.get("attributes") or {})


def _resource(address: str, type_: str, values: Mapping[str, Any]) -> StateResource:
    aliases = frozenset(str(values[k]) for k in _ALIAS_KEYS if isinstance(values.get(k), str) and values[k])
    via = _PARENT_VIA.get(type_)
    parent_ref = values.get(via[1]) if via else None
    return StateResource(address=address, type=type_, aliases=aliases,
                         parent_ref=parent_ref if isinstance(parent_ref, str) else None)
