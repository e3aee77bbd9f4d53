"""Resources and data sources: count/for_each instances, dynamic blocks, meta-arguments,
references to configured and computed attributes, refs and trace."""

from __future__ import annotations

from pathlib import Path

from scanner.facts.values import Unknown
from tests.hcl.support import instance, is_unknown, load


def test_count_instances_follow_list_order(tmp_path: Path) -> None:
    # x[0] is the first element (Checkov gets this wrong)
    config = load(tmp_path, {"main.tf": 'locals { names = ["first", "second", "third"] }\n'
                                        'resource "aws_s3_bucket" "x" {\n  count = length(local.names)\n'
                                        '  bucket = local.names[count.index]\n}\n'})
    assert [(i.address, i.attrs["bucket"]) for i in config.instances] == [
        ("aws_s3_bucket.x[0]", "first"), ("aws_s3_bucket.x[1]", "second"), ("aws_s3_bucket.x[2]", "third")]


def test_for_each_over_maps_and_sets(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'resource "test_thing" "m" {\n  for_each = {b = 2, a = 1}\n'
                                        '  k = each.key\n  v = each.value\n}\n'
                                        'resource "test_thing" "s" {\n  for_each = toset(["y", "x"])\n'
                                        '  k = each.key\n  v = each.value\n}\n'})
    assert instance(config, 'test_thing.m["a"]').attrs == {"k": "a", "v": 1}
    assert instance(config, 'test_thing.s["y"]').attrs == {"k": "y", "v": "y"}
    assert [i.address for i in config.instances] == ['test_thing.m["a"]', 'test_thing.m["b"]',
                                                     'test_thing.s["x"]', 'test_thing.s["y"]']


def test_unknown_count_or_for_each_gives_one_instance_of_unknown_existence(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "n" { type = number }\nvariable "m" { type = map(string) }\n'
                                        'resource "test_thing" "c" {\n  count = var.n\n  i = count.index\n}\n'
                                        'resource "test_thing" "f" {\n  for_each = var.m\n  v = each.value\n'
                                        '  name = "fixed"\n}\n'})
    counted, each = instance(config, "test_thing.c"), instance(config, "test_thing.f")
    assert isinstance(counted.exists, Unknown) and isinstance(each.exists, Unknown)
    assert is_unknown(counted.attrs["i"], containing="count.index")
    assert is_unknown(each.attrs["v"], containing="each.value")
    assert each.attrs["name"] == "fixed"


def test_invalid_count_is_unknown_not_zero(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'resource "test_thing" "c" {\n  count = -1\n}\n'
                                        'resource "test_thing" "f" {\n  for_each = ["a"]\n}\n'
                                        'resource "test_thing" "n" {\n  for_each = null\n}\n'})
    assert isinstance(instance(config, "test_thing.c").exists, Unknown)
    assert isinstance(instance(config, "test_thing.n").exists, Unknown)
    assert instance(config, 'test_thing.f["a"]').exists is None  # a list of strings is read as the set it becomes


def test_meta_arguments_are_not_attributes(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'resource "test_thing" "t" {\n  count = 1\n  provider = aws.east\n'
                                        '  depends_on = [test_thing.u]\n'
                                        '  lifecycle {\n    prevent_destroy = true\n  }\n'
                                        '  provisioner "local-exec" {\n    command = "x"\n  }\n  connection {\n  }\n'
                                        '  name = "n"\n}\nresource "test_thing" "u" {}\n'})
    assert instance(config, "test_thing.t[0]").attrs == {"name": "n"}


def test_blocks_and_dynamic_blocks_in_source_order(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": """
resource "aws_security_group" "sg" {
  ingress {
    from_port = 22
  }
  dynamic "ingress" {
    for_each = { https = 443, dicom = 11112 }
    content {
      from_port   = ingress.value
      description = ingress.key
      dynamic "nested" {
        for_each = [1, 2]
        iterator = n
        content {
          v = "${ingress.key}-${n.value}-${n.key}"
        }
      }
    }
  }
  ingress {
    from_port = 80
  }
  egress = [{ to_port = 0 }]
}
"""})
    attrs = instance(config, "aws_security_group.sg").attrs
    assert attrs["ingress"] == [
        {"from_port": 22},
        {"from_port": 11112, "description": "dicom", "nested": [{"v": "dicom-1-0"}, {"v": "dicom-2-1"}]},
        {"from_port": 443, "description": "https", "nested": [{"v": "https-1-0"}, {"v": "https-2-1"}]},
        {"from_port": 80}]
    assert attrs["egress"] == [{"to_port": 0}]


def test_dynamic_block_over_unknown_for_each_is_one_spread_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "ports" { type = list(number) }\n'
                                        'resource "aws_security_group" "sg" {\n  ingress {\n    from_port = 22\n  }\n'
                                        '  dynamic "ingress" {\n    for_each = var.ports\n    content {\n'
                                        '      from_port = ingress.value\n    }\n  }\n}\n'})
    ingress = instance(config, "aws_security_group.sg").attrs["ingress"]
    assert ingress[0] == {"from_port": 22}
    assert len(ingress) == 2 and isinstance(ingress[1], Unknown) and ingress[1].spread
    assert 'variable "ports"' in ingress[1].reason


def test_references_to_configured_and_computed_attributes(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": """
resource "aws_s3_bucket" "b" {
  bucket = "pacs-images"
}
resource "aws_kms_key" "k" {
  description = "images"
}
data "aws_kms_alias" "s3" {
  name = "alias/aws/s3"
}
resource "test_thing" "t" {
  configured = aws_s3_bucket.b.bucket
  id         = aws_s3_bucket.b.id
  arn        = aws_s3_bucket.b.arn
  key_arn    = aws_kms_key.k.arn
  glob       = "${aws_kms_key.k.arn}/*"
  alias      = data.aws_kms_alias.s3.name
  target     = data.aws_kms_alias.s3.target_key_arn
  whole      = aws_kms_key.k
}
"""})
    attrs = instance(config, "test_thing.t").attrs
    assert (attrs["configured"], attrs["id"]) == ("pacs-images", "pacs-images")
    assert attrs["arn"] == "arn:aws:s3:::pacs-images"
    assert attrs["key_arn"].symbol == "aws_kms_key.k.arn" and "known only after apply" in attrs["key_arn"].reason
    assert attrs["glob"].symbol == "${aws_kms_key.k.arn}/*"
    assert attrs["alias"] == "alias/aws/s3"
    assert is_unknown(attrs["target"], containing="read from the provider at plan time")
    assert attrs["whole"] == {"description": "images"} and attrs["whole"].rest.symbol == "aws_kms_key.k"
    refs = instance(config, "test_thing.t").refs
    assert refs["configured"] == ("aws_s3_bucket.b",) and refs["alias"] == ("data.aws_kms_alias.s3",)


def test_bucket_arn_outside_the_aws_partition_is_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'provider "aws" {\n  region = "us-gov-west-1"\n}\n'
                                        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'
                                        'resource "test_thing" "t" {\n  arn = aws_s3_bucket.b.arn\n}\n'})
    assert is_unknown(instance(config, "test_thing.t").attrs["arn"], containing="us-gov-west-1")


def test_module_qualified_symbols_and_splat_over_count(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n}\n',
                             "m/main.tf": 'resource "aws_s3_bucket" "x" {\n  count = 2\n'
                                          '  bucket = "b${count.index}"\n}\n'
                                          'resource "aws_kms_key" "k" {}\n'
                                          'resource "test_thing" "t" {\n  arns = aws_s3_bucket.x[*].arn\n'
                                          '  key = aws_kms_key.k.arn\n}\n'})
    inst = instance(config, "module.m.test_thing.t")
    assert inst.attrs["arns"] == ["arn:aws:s3:::b0", "arn:aws:s3:::b1"]
    assert inst.refs["arns"] == ("module.m.aws_s3_bucket.x[0]", "module.m.aws_s3_bucket.x[1]")
    assert inst.attrs["key"].symbol == "module.m.aws_kms_key.k.arn"


def test_null_configured_attribute_is_computed_when_referenced(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = null\n}\n'
                                        'resource "test_thing" "t" {\n  v = aws_s3_bucket.b.bucket\n}\n'})
    assert instance(config, "aws_s3_bucket.b").attrs["bucket"] is None
    assert is_unknown(instance(config, "test_thing.t").attrs["v"], containing="after apply")


def test_reference_cycles_are_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'locals {\n  a = local.b\n  b = local.a\n}\n'
                                        'resource "test_thing" "t" {\n  v = local.a\n}\n'})
    assert is_unknown(instance(config, "test_thing.t").attrs["v"], containing="refers to itself")


def test_refs_and_trace_follow_variables_locals_and_modules(tmp_path: Path) -> None:
    config = load(tmp_path, {
        "main.tf": 'resource "aws_s3_bucket" "b" {\n  for_each = toset(["x"])\n  bucket = "b-${each.key}"\n}\n'
                   'locals {\n  id = aws_s3_bucket.b["x"].id\n}\n'
                   'module "m" {\n  source = "./m"\n  bucket_id = local.id\n}\n',
        "m/main.tf": 'variable "bucket_id" {}\nresource "aws_s3_bucket_policy" "p" {\n  bucket = var.bucket_id\n}\n'})
    inst = instance(config, "module.m.aws_s3_bucket_policy.p")
    assert inst.refs["bucket"] == ('aws_s3_bucket.b["x"]',)
    assert inst.trace["bucket"] == ('module.m input bucket_id = "b-x" (main.tf:10)', 'local.id = "b-x" (main.tf:6)')


def test_long_chains_of_locals_are_followed(tmp_path: Path) -> None:
    chain = "\n".join(f"  l{i} = local.l{i + 1}" for i in range(600))
    config = load(tmp_path, {"main.tf": f'locals {{\n{chain}\n  l600 = "end"\n}}\n'
                                        'resource "test_thing" "t" {\n  v = local.l0\n}\n'})
    assert instance(config, "test_thing.t").attrs["v"] == "end"


def test_the_aws_partition_data_source_follows_the_provider_region(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'data "aws_partition" "current" {}\n'
                                        'resource "test_thing" "t" {\n'
                                        '  arn = "arn:${data.aws_partition.current.partition}:s3:::b"\n'
                                        '  dns = data.aws_partition.current.dns_suffix\n}\n'})
    assert instance(config, "test_thing.t").attrs == {"arn": "arn:aws:s3:::b", "dns": "amazonaws.com"}
    gov = load(tmp_path / "gov", {"main.tf": 'provider "aws" {\n  region = "cn-north-1"\n}\n'
                                             'data "aws_partition" "p" {}\n'
                                             'resource "test_thing" "t" {\n  v = data.aws_partition.p.partition\n}\n'})
    assert is_unknown(instance(gov, "test_thing.t").attrs["v"], containing="cn-north-1")
