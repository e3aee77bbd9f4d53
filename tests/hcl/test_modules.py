"""The module tree: root modules, local and fetched sources, count/for_each on modules, outputs,
hidden folders, override files and parse failures."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.tfmodel import SkippedPath
from tests.hcl.support import instance, is_unknown, load

BUCKET_MODULE = """
variable "name" { type = string }
resource "aws_s3_bucket" "b" {
  bucket = var.name
}
output "arn" { value = aws_s3_bucket.b.arn }
output "name" { value = aws_s3_bucket.b.bucket }
"""


def addresses(config: object) -> list[str]:
    return [i.address for i in config.instances]  # type: ignore[attr-defined]


def test_folders_only_called_as_modules_are_not_roots(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'module "a" {\n  source = "./modules/bucket"\n  name = "x"\n}\n',
                             "modules/bucket/main.tf": BUCKET_MODULE,
                             "other/main.tf": 'resource "aws_s3_bucket" "o" {\n  bucket = "o"\n}\n'})
    assert sorted(addresses(config)) == ["aws_s3_bucket.o", "module.a.aws_s3_bucket.b"]


def test_module_instances_with_count_and_for_each(tmp_path: Path) -> None:
    config = load(tmp_path, {
        "main.tf": 'module "c" {\n  source = "./m"\n  count = 2\n  name = "c-${count.index}"\n}\n'
                   'module "f" {\n  source = "./m"\n  for_each = toset(["x", "y"])\n  name = "f-${each.key}"\n}\n'
                   'output "o" { value = module.c[*].name }\n'
                   'resource "test_thing" "t" {\n  a = module.c[1].name\n  b = module.f["y"].arn\n'
                   '  c = [for k, m in module.f : m.name]\n  d = module.c[*].name\n}\n',
        "m/main.tf": BUCKET_MODULE})
    assert addresses(config)[:4] == ["module.c[0].aws_s3_bucket.b", "module.c[1].aws_s3_bucket.b",
                                     'module.f["x"].aws_s3_bucket.b', 'module.f["y"].aws_s3_bucket.b']
    attrs = instance(config, "test_thing.t").attrs
    assert attrs["a"] == "c-1" and attrs["b"] == "arn:aws:s3:::f-y"
    assert attrs["c"] == ["f-x", "f-y"] and attrs["d"] == ["c-0", "c-1"]


def test_nested_module_addresses_and_refs_through_inputs(tmp_path: Path) -> None:
    config = load(tmp_path, {
        "main.tf": 'resource "aws_s3_bucket" "b" {\n  for_each = toset(["x"])\n  bucket = "logs-${each.key}"\n}\n'
                   'module "a" {\n  source = "./a"\n  for_each = { k = 1 }\n  bucket_id = aws_s3_bucket.b["x"].id\n}\n',
        "a/main.tf": 'variable "bucket_id" {}\nmodule "b" {\n  source = "../b"\n  id = var.bucket_id\n}\n',
        "b/main.tf": 'variable "id" {}\nresource "aws_s3_bucket_versioning" "v" {\n  bucket = var.id\n}\n'})
    inst = instance(config, 'module.a["k"].module.b.aws_s3_bucket_versioning.v')
    assert inst.module == 'module.a["k"].module.b'
    assert inst.attrs["bucket"] == "logs-x"
    assert inst.refs["bucket"] == ('aws_s3_bucket.b["x"]',)
    assert inst.trace["bucket"] == ('module.a["k"].module.b input id = "logs-x" (a/main.tf:4)',
                                    'module.a["k"] input bucket_id = "logs-x" (main.tf:8)')


def test_unknown_module_count_makes_one_instance_of_unknown_existence(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "n" { type = number }\n'
                                        'module "m" {\n  source = "./m"\n  count = var.n\n'
                                        '  name = "b-${count.index}"\n}\n',
                             "m/main.tf": BUCKET_MODULE})
    inst = instance(config, "module.m.aws_s3_bucket.b")
    assert isinstance(inst.exists, Unknown) and "count of module.m is unknown" in inst.exists.reason
    assert is_unknown(inst.attrs["bucket"], containing="count.index")


def test_unfetched_registry_module_is_reported_not_guessed(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": '\nmodule "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
                                        'resource "test_thing" "t" {\n  v = module.vpc.vpc_id\n}\n'})
    (unread,) = config.unread_modules
    assert (unread.address, unread.source, unread.line) == ("module.vpc", "terraform-aws-modules/vpc/aws", 2)
    assert unread.file == str(tmp_path / "main.tf") and "terraform init" in unread.reason
    assert is_unknown(instance(config, "test_thing.t").attrs["v"], containing="module.vpc was not read")


def test_fetched_modules_are_read_through_modules_json(tmp_path: Path) -> None:
    load(tmp_path, {"main.tf": 'module "s3" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n  name = "n"\n}\n',
                    ".terraform/modules/s3/main.tf": BUCKET_MODULE.replace("var.name", "var.name"),
                    ".terraform/modules/s3/modules/inner/main.tf": 'resource "test_thing" "i" {}\n'})
    modules = {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                           {"Key": "s3", "Source": "registry.terraform.io/terraform-aws-modules/s3-bucket/aws",
                            "Version": "4.0.0", "Dir": ".terraform/modules/s3"}]}
    (tmp_path / ".terraform/modules/modules.json").write_text(json.dumps(modules), encoding="utf-8")
    config = load(tmp_path)
    assert addresses(config) == ["module.s3.aws_s3_bucket.b"]
    assert config.skipped == ()  # .terraform is skipped silently
    assert instance(config, "module.s3.aws_s3_bucket.b").file == str(tmp_path / ".terraform/modules/s3/main.tf")


def test_hidden_folders_are_skipped_and_reported_once(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'resource "test_thing" "t" {}\n',
                             ".terragrunt-cache/abc/main.tf": 'resource "test_thing" "hidden" {}\n',
                             ".terragrunt-cache/def/main.tf": 'resource "test_thing" "hidden2" {}\n',
                             ".github/workflows/ci.yml": "on: push\n",
                             ".git/x.tf": 'resource "test_thing" "git" {}\n'})
    assert addresses(config) == ["test_thing.t"]
    assert config.skipped == (SkippedPath(str(tmp_path / ".terragrunt-cache"), "hidden folder: not scanned"),)


def test_override_files_merge_per_terraform_rules(tmp_path: Path) -> None:
    config = load(tmp_path, {
        "main.tf": 'resource "aws_security_group" "sg" {\n  name = "a"\n  description = "keep"\n'
                   '  ingress {\n    from_port = 22\n  }\n  ingress {\n    from_port = 80\n  }\n}\n'
                   'locals {\n  x = 1\n  y = 2\n}\nresource "test_thing" "t" {\n  v = [local.x, local.y]\n}\n',
        "override.tf": 'resource "aws_security_group" "sg" {\n  name = "b"\n  ingress {\n    from_port = 443\n  }\n}\n'
                       'locals {\n  y = 3\n}\n',
        "z_override.tf": 'resource "aws_security_group" "sg" {\n  name = "c"\n}\nresource "test_thing" "nobase" {}\n'})
    attrs = instance(config, "aws_security_group.sg").attrs
    assert attrs == {"name": "c", "description": "keep", "ingress": [{"from_port": 443}]}
    assert instance(config, "test_thing.t").attrs["v"] == [1, 3]
    (note,) = config.skipped
    assert "has no base block" in note.reason and note.path == str(tmp_path / "z_override.tf")


def test_a_file_that_does_not_parse_is_reported_and_the_rest_evaluated(tmp_path: Path) -> None:
    config = load(tmp_path, {"good.tf": 'resource "test_thing" "t" {\n  v = 1\n}\n',
                             "bad.tf": 'resource "test_thing" "u" {\n  v = = 1\n}\n'})
    assert addresses(config) == ["test_thing.t"]
    (failure,) = config.parse_failures
    assert failure.file == str(tmp_path / "bad.tf") and failure.line == 2


def test_a_single_file_target_is_the_root_module(tmp_path: Path) -> None:
    load(tmp_path, {"a.tf": 'resource "test_thing" "a" {}\n', "b.tf": 'resource "test_thing" "b" {}\n'})
    from scanner.iac.hcl import load_configuration

    config = load_configuration(tmp_path / "a.tf", environ={})
    assert addresses(config) == ["test_thing.a"]


def test_json_configuration_files_are_read(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf.json": json.dumps({
        "variable": {"name": {"default": "pacs"}},
        "resource": {"aws_s3_bucket": {"b": {"bucket": "${var.name}-images", "tags": {"Name": "${var.name}"}}}}})})
    assert instance(config, "aws_s3_bucket.b").attrs == {"bucket": "pacs-images", "tags": {"Name": "pacs"}}


def test_module_outputs_carry_their_refs(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n  name = "n"\n}\n'
                                        'resource "aws_s3_bucket_policy" "p" {\n  bucket = module.m.name\n}\n',
                             "m/main.tf": BUCKET_MODULE})
    inst = instance(config, "aws_s3_bucket_policy.p")
    assert inst.refs["bucket"] == ("module.m.aws_s3_bucket.b",)
    assert inst.trace["bucket"][0] == 'module.m.name = "n" (output, m/main.tf:7)'


def test_partial_for_each_keys_give_their_instances_and_one_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "more" { type = map(string) }\n'
                                        'resource "test_thing" "t" {\n  for_each = merge(var.more, {a = "x"})\n'
                                        '  v = each.value\n}\n'})
    assert addresses(config) == ['test_thing.t["a"]', "test_thing.t"]
    assert isinstance(instance(config, "test_thing.t").exists, Unknown)
    assert instance(config, 'test_thing.t["a"]').exists is None
    assert isinstance(PartialDict({}, Unknown("x")), dict)


def test_an_unread_call_inside_repeated_modules_is_reported_once(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'module "a" {\n  source = "./a"\n  for_each = toset(["x", "y"])\n}\n',
                             "a/main.tf": 'module "vpc" {\n  source = "git::https://example.com/vpc.git"\n}\n'})
    (unread,) = config.unread_modules
    assert unread.address == "module.a.module.vpc" and unread.file == str(tmp_path / "a/main.tf")


def test_every_file_read_is_listed(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "x" {}\nmodule "m" {\n  source = "./m"\n}\n',
                             "m/main.tf": "", "terraform.tfvars": 'x = "1"\n', "prod.tfvars": 'x = "2"\n'},
                  var_files=[tmp_path / "prod.tfvars"])
    assert set(config.files) == {str(tmp_path / n) for n in ("main.tf", "m/main.tf", "terraform.tfvars", "prod.tfvars")}


def test_a_module_count_that_needs_the_partition_of_a_bucket_in_that_module(tmp_path: Path) -> None:
    # the ARN needs the partition, which walks the module tree, which needs this module's count
    config = load(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'
                                        'module "m" {\n  source = "./m"\n'
                                        '  count = length(aws_s3_bucket.b.arn) > 0 ? 1 : 0\n}\n',
                             "m/main.tf": 'resource "test_thing" "t" {}\n'})
    assert [i.address for i in config.instances if i.module] == ["module.m[0].test_thing.t"]


def test_instances_name_the_root_module_they_were_evaluated_under(tmp_path: Path) -> None:
    config = load(tmp_path, {"a/main.tf": 'module "m" {\n  source = "../shared"\n}\n',
                             "b/main.tf": 'module "m" {\n  source = "../shared"\n}\n',
                             "shared/main.tf": 'resource "test_thing" "t" {}\n'})
    assert sorted((i.root_module, i.address) for i in config.instances) == [
        ("a", "module.m.test_thing.t"), ("b", "module.m.test_thing.t")]
