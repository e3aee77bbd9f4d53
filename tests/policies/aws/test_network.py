"""Security groups and network ACLs from Terraform, judged by AWS-SG-* / AWS-NACL-* (NET-DICOM,
NET-ADMIN): the semantics of the retired PACS_AWS_SG_DICOM/ADMIN and the issue cases, each named
for what it shows. Configurations go through the real evaluator and ``configuration_findings``.
"""

from __future__ import annotations

import pytest

from policies.terraform.aws.security_groups import merged
from tests.policies.aws.helpers import (
    facts,
    hcl,
    instance,
    judge_hcl,
    judge_instances,
    normalise,
    unknown,
    verdicts,
)

DICOM, ADMIN = "AWS-SG-DICOM", "AWS-SG-ADMIN"
NACL_DICOM, NACL_ADMIN = "AWS-NACL-DICOM", "AWS-NACL-ADMIN"


def _group(name: str, *ingress: str, kind: str = "aws_security_group") -> str:
    blocks = "\n".join(f"  ingress {{\n{body}\n  }}" for body in ingress)
    return f'resource "{kind}" "{name}" {{\n{blocks}\n}}\n'


def _rule(protocol: str, low: int | str, high: int | str, cidrs: str = '["0.0.0.0/0"]', extra: str = "") -> str:
    return (f'    protocol = "{protocol}"\n    from_port = {low}\n    to_port = {high}\n    cidr_blocks = {cidrs}\n'
            f'{extra}')


def _dicom(text: str, **parameters: object) -> dict[str, str]:
    return verdicts(judge_hcl(text, **parameters), DICOM)


# --- what exposes a port -------------------------------------------------------------------------

def test_world_open_dicom_fails_and_a_rule_is_judged_on_its_own() -> None:
    text = (_group("fail_104", _rule("tcp", 104, 104))
            + _group("fail_range_ipv6", '    protocol = "6"\n    from_port = 8000\n    to_port = 12000\n'
                                        '    ipv6_cidr_blocks = ["::/0"]')
            + _group("pass_mixed", _rule("tcp", 443, 443), _rule("tcp", 104, 104, '["10.20.0.0/16"]'),
                     _rule("udp", 11112, 11112)))
    assert _dicom(text) == {"aws_security_group.fail_104": "fail", "aws_security_group.fail_range_ipv6": "fail",
                            "aws_security_group.pass_mixed": "pass"}


@pytest.mark.parametrize(("protocol", "bounds"), [("-1", 0), ("all", 0), ("ALL", 0), ("tcp", -1), ("6", -1)])
def test_protocol_all_is_every_port_whatever_the_bounds(protocol: str, bounds: int) -> None:
    found = judge_hcl(_group("g", _rule(protocol, bounds, bounds)))
    assert verdicts(found, DICOM) == {"aws_security_group.g": "fail"}
    assert verdicts(found, ADMIN) == {"aws_security_group.g": "fail"}


def test_only_tcp_and_all_protocol_rules_expose_dicom_but_udp_exposes_admin_ports() -> None:
    found = judge_hcl(_group("udp_104", _rule("udp", 104, 104)) + _group("udp_3389", _rule("udp", 3389, 3389))
                      + _group("icmp", _rule("icmp", -1, -1)))
    assert verdicts(found, DICOM) == {"aws_security_group.udp_104": "pass", "aws_security_group.udp_3389": "pass",
                                      "aws_security_group.icmp": "pass"}
    assert verdicts(found, ADMIN) == {"aws_security_group.udp_104": "pass", "aws_security_group.udp_3389": "fail",
                                      "aws_security_group.icmp": "pass"}


@pytest.mark.parametrize(("low", "high", "why"), [(200, 100, "reversed port range"), ('"abc"', 104, "not a port"),
                                                  (104, 70000, "not a port")])
def test_reversed_or_unparseable_port_ranges_are_unknown(low: object, high: object, why: str) -> None:
    found = judge_hcl(_group("unknown_ports", _rule("tcp", low, high)))  # type: ignore[arg-type]
    assert verdicts(found, DICOM) == {"aws_security_group.unknown_ports": "unknown"}
    assert why in next(f.message for f in found if f.check_id == DICOM)


# --- the whole internet -----------------------------------------------------------------------------

def test_sources_whose_union_is_the_world_are_the_world() -> None:
    text = (_group("fail_halves", _rule("tcp", 104, 104, '["0.0.0.0/1", "128.0.0.0/1"]'))
            + _group("fail_ipv6_beside_private_ipv4", _rule("tcp", 104, 104, '["10.0.0.0/8"]',
                                                              '    ipv6_cidr_blocks = ["::/1", "8000::/1"]'))
            + _group("pass_three_quarters", _rule("tcp", 104, 104, '["0.0.0.0/1", "128.0.0.0/2"]')))
    assert _dicom(text) == {"aws_security_group.fail_halves": "fail",
                            "aws_security_group.fail_ipv6_beside_private_ipv4": "fail",
                            "aws_security_group.pass_three_quarters": "pass"}


def test_halves_of_the_world_in_two_rule_resources_on_the_same_port_are_merged() -> None:
    text = 'resource "aws_security_group" "fail_split" {}\n' + "".join(
        _sg_rule(f"half_{n}", "aws_security_group.fail_split.id", cidrs=f'["{cidr}"]')
        for n, cidr in enumerate(("0.0.0.0/1", "128.0.0.0/1")))
    assert _dicom(text) == {"aws_security_group.fail_split": "fail"}


def test_halves_of_the_world_on_overlapping_port_ranges_open_the_ports_they_share() -> None:
    text = (_group("fail_overlap", _rule("tcp", 11112, 11112, '["0.0.0.0/1"]'),
                   _rule("tcp", 11000, 12000, '["128.0.0.0/1"]'))
            + _group("fail_all_protocols_and_tcp", _rule("-1", 0, 0, '["0.0.0.0/1"]'),
                     _rule("tcp", 100, 110, '["128.0.0.0/1"]'))
            + _group("pass_overlap_elsewhere", _rule("tcp", 11000, 11100, '["0.0.0.0/1"]'),
                     _rule("tcp", 11050, 12000, '["128.0.0.0/1"]'))
            + _group("pass_udp_half", _rule("udp", 104, 104, '["0.0.0.0/1"]'),
                     _rule("tcp", 104, 104, '["128.0.0.0/1"]')))
    assert _dicom(text) == {"aws_security_group.fail_overlap": "fail",
                            "aws_security_group.fail_all_protocols_and_tcp": "fail",
                            "aws_security_group.pass_overlap_elsewhere": "pass",
                            "aws_security_group.pass_udp_half": "pass"}


def test_a_rule_whose_ports_are_not_known_may_complete_another_rules_sources() -> None:
    unknown_port = "variable \"port\" { type = number }\n"
    text = (unknown_port
            + _group("unknown_halves", _rule("tcp", 11112, 11112, '["0.0.0.0/1"]'),
                     _rule("tcp", "var.port", "var.port", '["128.0.0.0/1"]'))
            + _group("pass_private_beside_unknown_ports", _rule("tcp", 11112, 11112, '["0.0.0.0/1"]'),
                     _rule("tcp", "var.port", "var.port", '["10.0.0.0/8"]'))
            + _group("pass_halves_off_the_dicom_ports", _rule("tcp", 443, 443, '["0.0.0.0/1"]'),
                     _rule("tcp", "var.port", "var.port", '["128.0.0.0/1"]'))
            + _group("pass_udp_halves", _rule("udp", 11112, 11112, '["0.0.0.0/1"]'),
                     _rule("udp", "var.port", "var.port", '["128.0.0.0/1"]')))
    assert _dicom(text) == {"aws_security_group.unknown_halves": "unknown",
                            "aws_security_group.pass_private_beside_unknown_ports": "pass",
                            "aws_security_group.pass_halves_off_the_dicom_ports": "pass",
                            "aws_security_group.pass_udp_halves": "pass"}


def test_overlapping_rules_keep_their_own_items_and_add_what_they_open_together() -> None:
    a = {"protocol": "tcp", "ports": {"from": 11112, "to": 11112}, "sources": ["0.0.0.0/1"], "prefix_lists": [],
         "source_groups": [], "description": "a"}
    b = {**a, "ports": {"from": 11000, "to": 12000}, "sources": ["128.0.0.0/1"], "description": "b"}
    same = {**a, "ports": {"from": 11000, "to": 12000}, "description": "c"}
    out = merged([a, b])
    assert out[:2] == [a, b]
    assert out[2:] == [{**a, "sources": ["0.0.0.0/1", "128.0.0.0/1"],
                        "description": "opened together by several rules on overlapping ports"}]
    assert merged([a, same]) == [a, same], "a rule whose sources another already has adds nothing"


def test_merging_keeps_items_whose_protocol_or_ports_are_not_known_apart() -> None:
    a = {"protocol": "tcp", "ports": {"from": 104, "to": 104}, "sources": ["0.0.0.0/1"], "prefix_lists": [],
         "source_groups": [], "description": "a"}
    b = {**a, "sources": ["128.0.0.0/1"], "description": "b"}
    c = {**a, "ports": unknown()}
    out = merged([a, c, b])
    assert out[0]["sources"] == ["0.0.0.0/1", "128.0.0.0/1"] and out[0]["description"] is None
    assert out[1] is c and len(out) == 2


def test_a_string_that_is_not_a_cidr_is_unknown_never_private() -> None:
    found = judge_hcl(_group("unknown_word", _rule("tcp", 104, 104, '["anywhere"]')))
    assert verdicts(found, DICOM) == {"aws_security_group.unknown_word": "unknown"}


def test_security_group_references_are_not_sources() -> None:
    text = ('resource "aws_security_group" "peer" {}\n'
            + _group("pass_peer_only", '    protocol = "tcp"\n    from_port = 0\n    to_port = 65535\n'
                                       '    security_groups = [aws_security_group.peer.id]\n    self = true'))
    found = judge_hcl(text)
    assert verdicts(found, DICOM)["aws_security_group.pass_peer_only"] == "pass"
    group = facts(normalise(*_instances(text)), "aws_security_group.pass_peer_only")
    assert group["ingress"][0]["sources"] == []
    assert group["ingress"][0]["source_groups"][-1] == "self"


def _instances(text: str) -> list:  # type: ignore[type-arg]
    import tempfile
    from pathlib import Path

    from scanner.iac.hcl import load_configuration

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "main.tf").write_text(text)
        return list(load_configuration(Path(folder), environ={}).instances)


# --- prefix lists --------------------------------------------------------------------------------

_PREFIX_LISTS = """
resource "aws_ec2_managed_prefix_list" "world" {
  name           = "world"
  address_family = "IPv4"
  max_entries    = 2
  entry { cidr = "0.0.0.0/0" }
}
resource "aws_ec2_managed_prefix_list" "partners" {
  name           = "partners"
  address_family = "IPv4"
  max_entries    = 2
  entry { cidr = "203.0.113.0/24" }
}
resource "aws_ec2_managed_prefix_list_entry" "more_partners" {
  prefix_list_id = aws_ec2_managed_prefix_list.partners.id
  cidr           = "128.0.0.0/1"
}
data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}
"""


def _via(name: str, ids: str) -> str:
    return _group(name, f'    protocol = "tcp"\n    from_port = 104\n    to_port = 104\n    prefix_list_ids = {ids}')


def test_prefix_lists_count_by_their_declared_entries() -> None:
    text = (_PREFIX_LISTS + _via("fail_world_list", "[aws_ec2_managed_prefix_list.world.id]")
            + _via("pass_partner_list", "[aws_ec2_managed_prefix_list.partners.id]")
            + _group("fail_list_entry_and_cidr_halves", '    protocol = "tcp"\n    from_port = 104\n    to_port = 104\n'
                     '    cidr_blocks = ["0.0.0.0/1"]\n    prefix_list_ids = [aws_ec2_managed_prefix_list.partners.id]')
            + _via("unknown_data_source_list", "[data.aws_ec2_managed_prefix_list.cloudfront.id]")
            + _via("unknown_literal_list", '["pl-0123456789abcdef0"]'))
    assert _dicom(text) == {"aws_security_group.fail_world_list": "fail",
                            "aws_security_group.pass_partner_list": "pass",
                            "aws_security_group.fail_list_entry_and_cidr_halves": "fail",
                            "aws_security_group.unknown_data_source_list": "unknown",
                            "aws_security_group.unknown_literal_list": "unknown"}


def test_a_plan_names_prefix_lists_by_id() -> None:
    plist = instance("aws_ec2_managed_prefix_list.world", {"id": "pl-1", "entry": [{"cidr": "::/0"}]},
                     input="terraform-plan")
    group = instance("aws_security_group.fail_plan", {"ingress": [
        {"protocol": "tcp", "from_port": 104, "to_port": 104, "prefix_list_ids": ["pl-1"]}]}, input="terraform-plan")
    assert verdicts(judge_instances(plist, group), DICOM) == {"aws_security_group.fail_plan": "fail"}


# --- values the evaluator cannot know -----------------------------------------------------------

@pytest.mark.parametrize("cidrs", ["var.cidrs", 'concat(var.cidrs, ["10.0.0.0/8"])', "[for c in var.cidrs : c]",
                                   '[var.cidrs[0], "10.0.0.0/8"]'])
def test_unresolvable_sources_are_unknown_never_pass(cidrs: str) -> None:
    text = 'variable "cidrs" { type = list(string) }\n' + _group("unknown_sources", _rule("tcp", 104, 104, cidrs))
    assert _dicom(text) == {"aws_security_group.unknown_sources": "unknown"}


def test_unresolvable_ingress_blocks_are_unknown_never_pass() -> None:
    text = ('variable "rules" {}\nvariable "cidrs" { type = list(string) }\n'
            'resource "aws_security_group" "unknown_attribute_form" {\n  ingress = var.rules\n}\n'
            'resource "aws_security_group" "unknown_dynamic" {\n  dynamic "ingress" {\n    for_each = var.cidrs\n'
            '    content {\n      protocol = "tcp"\n      from_port = 104\n      to_port = 104\n'
            '      cidr_blocks = [ingress.value]\n    }\n  }\n}\n'
            'resource "aws_security_group" "unknown_iterator_source" {\n  dynamic "ingress" {\n'
            '    for_each = toset(["a", "b"])\n    content {\n      protocol = "tcp"\n      from_port = 104\n'
            '      to_port = 104\n      cidr_blocks = [var.cidrs[ingress.key == "a" ? 0 : 1]]\n    }\n  }\n}\n')
    assert _dicom(text) == {f"aws_security_group.{n}": "unknown"
                            for n in ("unknown_attribute_form", "unknown_dynamic", "unknown_iterator_source")}


def test_an_unknown_rule_beside_a_world_open_one_still_fails() -> None:
    text = ('variable "rules" {}\nresource "aws_security_group" "fail_known_world" {\n'
            '  ingress = concat(var.rules, [{protocol = "tcp", from_port = 104, to_port = 104,'
            ' cidr_blocks = ["0.0.0.0/0"], ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [],'
            ' self = false, description = ""}])\n}\n')
    assert _dicom(text) == {"aws_security_group.fail_known_world": "fail"}


def test_a_conditional_source_is_decided_where_both_branches_agree() -> None:
    text = ('variable "public" { type = bool }\n'
            + _group("fail_both_world", _rule("tcp", 104, 104, 'var.public ? ["0.0.0.0/0"] : ["::/0"]'))
            + _group("pass_both_private", _rule("tcp", 104, 104, 'var.public ? ["10.0.0.0/8"] : ["10.1.0.0/16"]'))
            + _group("unknown_one_world", _rule("tcp", 104, 104, 'var.public ? ["0.0.0.0/0"] : ["10.0.0.0/8"]')))
    assert _dicom(text) == {"aws_security_group.fail_both_world": "fail", "aws_security_group.pass_both_private":
                            "pass", "aws_security_group.unknown_one_world": "unknown"}


# --- rule resources and the default group ------------------------------------------------------

def test_the_default_security_group_is_checked() -> None:
    text = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n' + _group(
        "fail_default", _rule("tcp", 22, 22), kind="aws_default_security_group").replace(
        "{\n  ingress", "{\n  vpc_id = aws_vpc.v.id\n  ingress", 1)
    found = judge_hcl(text)
    assert verdicts(found, ADMIN) == {"aws_default_security_group.fail_default": "fail"}


def _sg_rule(name: str, group: str, kind: str = '"ingress"', low: int = 104, cidrs: str = '["0.0.0.0/0"]') -> str:
    return hcl("aws_security_group_rule", name, type=kind, protocol='"tcp"', from_port=low, to_port=low,
               cidr_blocks=cidrs, security_group_id=group)


def test_rule_resources_fold_into_their_group_and_egress_is_not_ingress() -> None:
    text = ('resource "aws_security_group" "pass_mixed" {}\nresource "aws_security_group" "fail_vpc_rule" {}\n'
            + _sg_rule("https", "aws_security_group.pass_mixed.id", low=443)
            + _sg_rule("egress", "aws_security_group.pass_mixed.id", kind='"egress"')
            + hcl("aws_vpc_security_group_ingress_rule", "all", security_group_id="aws_security_group.fail_vpc_rule.id",
                  cidr_ipv6='"::/0"', ip_protocol='"-1"'))
    found = judge_hcl(text)
    assert verdicts(found, DICOM) == {"aws_security_group.pass_mixed": "pass", "aws_security_group.fail_vpc_rule":
                                      "fail"}
    evidence = next(f.evidence for f in found if f.resource.address == "aws_security_group.fail_vpc_rule"
                    and f.check_id == DICOM)
    assert evidence["configured_by"][0].startswith("aws_vpc_security_group_ingress_rule.all (")


def test_a_rule_whose_type_is_not_known_may_be_ingress() -> None:
    text = ('variable "direction" { type = string }\nresource "aws_security_group" "unknown_direction" {}\n'
            + _sg_rule("r", "aws_security_group.unknown_direction.id", kind="var.direction"))
    assert _dicom(text) == {"aws_security_group.unknown_direction": "unknown"}


@pytest.mark.parametrize("group_id", ['"sg-0123456789abcdef0"', "var.group_id", "data.aws_security_group.shared.id"])
def test_a_rule_whose_group_is_not_declared_is_a_group_of_its_own(group_id: str) -> None:
    text = ('variable "group_id" { type = string }\ndata "aws_security_group" "shared" { name = "shared" }\n'
            'resource "aws_security_group" "pass_unrelated" {}\n' + _sg_rule("fail_orphan", group_id))
    assert _dicom(text) == {"aws_security_group.pass_unrelated": "pass",
                            "aws_security_group_rule.fail_orphan": "fail"}


def test_a_rule_on_one_of_several_groups_leaves_each_unknown() -> None:
    text = ('variable "i" { type = number }\nresource "aws_security_group" "g" {\n  count = 2\n}\n'
            + _sg_rule("r", "aws_security_group.g[var.i].id"))
    assert _dicom(text) == {"aws_security_group.g[0]": "unknown", "aws_security_group.g[1]": "unknown"}


def test_a_rule_whose_count_is_not_known_is_unknown_on_its_group() -> None:
    group = instance("aws_security_group.unknown_maybe", {})
    rule = instance("aws_security_group_rule.r", {"type": "ingress", "protocol": "tcp", "from_port": 104,
                                                  "to_port": 104, "cidr_blocks": ["0.0.0.0/0"],
                                                  "security_group_id": unknown(symbol="x")},
                    refs={"security_group_id": ["aws_security_group.unknown_maybe"]},
                    exists=unknown("count is not known"))
    assert verdicts(judge_instances(group, rule), DICOM) == {"aws_security_group.unknown_maybe": "unknown"}


def test_dicom_ports_parameter_flows() -> None:
    text = _group("g", _rule("tcp", 443, 443)) + _group("h", _rule("tcp", 104, 104))
    assert _dicom(text, dicom_ports=[443]) == {"aws_security_group.g": "fail", "aws_security_group.h": "pass"}


# --- network ACLs --------------------------------------------------------------------------------

def _acl(name: str, *entries: str, kind: str = "aws_network_acl") -> str:
    body = "\n".join(f"  ingress {{\n{e}\n  }}" for e in entries)
    return f'resource "{kind}" "{name}" {{\n  vpc_id = "vpc-1"\n{body}\n}}\n'


def _entry(action: str, protocol: str, low: int, high: int, cidr: str = "0.0.0.0/0", number: int = 100) -> str:
    family = "ipv6_cidr_block" if ":" in cidr else "cidr_block"
    return (f'    rule_no = {number}\n    action = "{action}"\n    protocol = "{protocol}"\n    from_port = {low}\n'
            f'    to_port = {high}\n    {family} = "{cidr}"')


def test_network_acl_inbound_allow_entries() -> None:
    text = (_acl("fail_dicom_world", _entry("allow", "tcp", 100, 200))
            + _acl("pass_deny_world", _entry("deny", "-1", 0, 0))
            + _acl("fail_ipv6_all", _entry("allow", "-1", 0, 0, "::/0"))
            + _acl("pass_private", _entry("allow", "6", 104, 104, "10.0.0.0/8"), _entry("allow", "tcp", 443, 443,
                                                                                          number=200)))
    found = judge_hcl(text)
    assert verdicts(found, NACL_DICOM) == {
        "aws_network_acl.fail_dicom_world": "fail", "aws_network_acl.pass_deny_world": "pass",
        "aws_network_acl.fail_ipv6_all": "fail", "aws_network_acl.pass_private": "pass"}
    assert verdicts(found, NACL_ADMIN)["aws_network_acl.fail_dicom_world"] == "pass"


def test_network_acl_rules_fold_into_their_acl_default_acl_and_orphans() -> None:
    text = ('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'
            'resource "aws_network_acl" "fail_folded" {\n  vpc_id = aws_vpc.v.id\n}\n'
            'resource "aws_network_acl_rule" "ssh" {\n  network_acl_id = aws_network_acl.fail_folded.id\n'
            '  rule_number = 100\n  egress = false\n  protocol = "tcp"\n  rule_action = "allow"\n'
            '  cidr_block = "0.0.0.0/0"\n  from_port = 22\n  to_port = 22\n}\n'
            'resource "aws_network_acl_rule" "out" {\n  network_acl_id = aws_network_acl.fail_folded.id\n'
            '  rule_number = 101\n  egress = true\n  protocol = "-1"\n  rule_action = "allow"\n'
            '  cidr_block = "0.0.0.0/0"\n}\n'
            'resource "aws_default_network_acl" "fail_default" {\n  default_network_acl_id = '
            'aws_vpc.v.default_network_acl_id\n}\n'
            'resource "aws_network_acl_rule" "on_default" {\n  network_acl_id = aws_vpc.v.default_network_acl_id\n'
            '  rule_number = 100\n  protocol = "-1"\n  rule_action = "allow"\n  cidr_block = "0.0.0.0/0"\n}\n'
            'resource "aws_network_acl_rule" "fail_orphan" {\n  network_acl_id = "acl-0123"\n  rule_number = 100\n'
            '  protocol = "-1"\n  rule_action = "allow"\n  ipv6_cidr_block = "::/0"\n}\n')
    assert verdicts(judge_hcl(text), NACL_ADMIN) == {
        "aws_network_acl.fail_folded": "fail", "aws_default_network_acl.fail_default": "fail",
        "aws_network_acl_rule.fail_orphan": "fail"}


def test_network_acl_unknown_direction_and_sources_are_unknown() -> None:
    text = ('variable "egress" { type = bool }\nvariable "cidr" { type = string }\n'
            'resource "aws_network_acl" "unknown_direction" {\n  vpc_id = "vpc-1"\n}\n'
            'resource "aws_network_acl_rule" "r" {\n  network_acl_id = aws_network_acl.unknown_direction.id\n'
            '  rule_number = 100\n  egress = var.egress\n  protocol = "-1"\n  rule_action = "allow"\n'
            '  cidr_block = "0.0.0.0/0"\n}\n'
            + _acl("unknown_source", _entry("allow", "tcp", 104, 104).replace('"0.0.0.0/0"', "var.cidr")))
    assert verdicts(judge_hcl(text), NACL_DICOM) == {"aws_network_acl.unknown_direction": "unknown",
                                                     "aws_network_acl.unknown_source": "unknown"}


def test_inline_skip_comments_reach_rule_findings_by_rule_or_control_id() -> None:
    comment = "{\n  #checkov:skip=AWS-SG-DICOM:vendor VPN\n"
    skipped = _group("by_rule", _rule("tcp", 104, 104)).replace("{\n", comment, 1)
    by_control = _group("by_control", _rule("tcp", 22, 22)).replace("{\n", "{\n  # pacscan:skip=NET-ADMIN\n", 1)
    found = judge_hcl(skipped + by_control)
    assert verdicts(found, DICOM)["aws_security_group.by_rule"] == "waived"
    assert next(f.evidence["skip_reason"] for f in found if f.resource.address == "aws_security_group.by_rule"
                and f.check_id == DICOM) == "vendor VPN"
    assert verdicts(found, ADMIN) == {"aws_security_group.by_rule": "pass", "aws_security_group.by_control": "waived"}
    assert verdicts(found, DICOM)["aws_security_group.by_control"] == "pass"  # another control: not skipped


def test_a_plan_folds_rules_by_the_references_its_configuration_records() -> None:
    from pathlib import Path

    from scanner.iac.judge import configuration_findings
    from scanner.iac.plan_config import plan_configuration
    from scanner.models import Source
    from tests.policies.aws.helpers import catalog

    rule_values = {"type": "ingress", "protocol": "tcp", "from_port": 104, "to_port": 104,
                   "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": None, "prefix_list_ids": None, "self": False,
                   "source_security_group_id": None}
    plan = {
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g",
             "values": {"name": "g", "ingress": []}},
            {"address": "aws_security_group_rule.r", "mode": "managed", "type": "aws_security_group_rule",
             "name": "r", "values": rule_values}]}},
        "resource_changes": [
            {"address": "aws_security_group.g", "change": {"after_unknown": {"id": True, "ingress": []}}},
            {"address": "aws_security_group_rule.r", "change": {"after_unknown": {"security_group_id": True}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_security_group_rule.r", "expressions": {
                "security_group_id": {"references": ["aws_security_group.g.id", "aws_security_group.g"]}}}]}},
    }
    config = plan_configuration(Path("plan.json"), plan)
    found = configuration_findings(catalog(), catalog().defaults(), config, Source.TERRAFORM_PLAN)
    assert verdicts(found, DICOM) == {"aws_security_group.g": "fail"}


def test_a_rule_that_may_apply_may_complete_the_world_with_the_sources_of_another() -> None:
    text = ('variable "on" { type = bool }\n' + _group("unknown_other_half", _rule("tcp", 104, 104, '["0.0.0.0/1"]'))
            + _sg_rule("maybe", "aws_security_group.unknown_other_half.id", cidrs='["128.0.0.0/1"]').replace(
                "{\n", "{\n  count = var.on ? 1 : 0\n", 1))
    assert _dicom(text) == {"aws_security_group.unknown_other_half": "unknown"}


def test_network_acl_allow_entries_on_the_same_ports_are_judged_together() -> None:
    text = (_acl("fail_halves", _entry("allow", "tcp", 104, 104, "0.0.0.0/1"),
                 _entry("allow", "tcp", 104, 104, "128.0.0.0/1", number=110))
            + _acl("pass_halves_one_denied", _entry("deny", "tcp", 104, 104, "0.0.0.0/1"),
                   _entry("allow", "tcp", 104, 104, "128.0.0.0/1", number=110)))
    assert verdicts(judge_hcl(text), NACL_DICOM) == {"aws_network_acl.fail_halves": "fail",
                                                     "aws_network_acl.pass_halves_one_denied": "pass"}
