"""``aws.ec2.vpc`` from Terraform: each VPC (``aws_vpc``, ``aws_default_vpc``) with its flow logs.

A flow log is an ``aws_flow_log`` whose ``vpc_id`` names the VPC. Declared, it is created active:
its ``status`` is ``ACTIVE`` as DescribeFlowLogs would report it, ``traffic_type`` and
``destination_type`` as written (``cloud-watch-logs`` by default). A flow log that may be the
VPC's (its ``vpc_id`` is one of several VPCs, or a variable with no value, or its own ``count``
is not known) is a *maybe* item: the VPC neither passes nor fails on it alone.
"""

from __future__ import annotations

from typing import Any

from policies.terraform.attrs import arg, resource
from policies.terraform.aws.common import known_str, located, maybe, owner
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.iac.tfmodel import TfInstance

KIND = "aws.ec2.vpc"
VPC_TYPES = ("aws_vpc", "aws_default_vpc")
FLOW_LOG = "aws_flow_log"


def vpcs(index: Index) -> list[Resource]:
    all_vpcs = index.of_type(*VPC_TYPES)
    logs: dict[str, list[Any]] = {}
    subs: dict[str, list[TfInstance]] = {}
    for flow in index.of_type(FLOW_LOG):
        if flow.attrs.get("vpc_id") is None:
            continue  # a subnet's, an interface's or a transit gateway's flow log
        found = owner(index, flow, "vpc_id", VPC_TYPES)
        parents = all_vpcs if found.link == "undetermined" else found.parents
        item = _flow_log(flow)
        for vpc in parents:
            if found.link == "certain" and flow.exists is None:
                logs.setdefault(vpc.address, []).append(item)
            else:
                why = (flow.exists.reason if found.link == "certain" and flow.exists is not None else
                       f"{flow.address} may log this VPC (its vpc_id is not known to be this one)")
                logs.setdefault(vpc.address, []).append(maybe(item, {**item, "status": None}, why, located(flow)))
            subs.setdefault(vpc.address, []).append(flow)
    return [_vpc(v, logs.get(v.address, []), subs.get(v.address, [])) for v in all_vpcs]


def _flow_log(flow: TfInstance) -> dict[str, Any]:
    attrs = flow.attrs
    return {
        "id": known_str(attrs.get("id")),
        "status": "ACTIVE",
        "deliver_status": None,
        "traffic_type": attrs.get("traffic_type"),
        "destination_type": arg(attrs, "log_destination_type", "cloud-watch-logs"),
    }


def _vpc(vpc: TfInstance, flow_logs: list[Any], subs: list[TfInstance]) -> Resource:
    attrs = vpc.attrs
    facts = {
        "vpc_id": known_str(attrs.get("id")),
        "cidr_block": attrs.get("cidr_block"),
        "is_default": vpc.type == "aws_default_vpc",
        "flow_logs": flow_logs,
    }
    origins = {key: located(vpc) for key in facts}
    if subs:
        origins["flow_logs"] = ", ".join(located(s) for s in subs)
    return resource(KIND, vpc, facts, tags=attrs.get("tags"), configured_by=subs, origins=origins,
                    traced={"flow_logs": ("vpc_id", "traffic_type", "log_destination_type")})
