"""Input variables: Terraform's precedence of value sources, type conversion, module inputs,
sensitive values and the errors Terraform raises before planning."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import PacscanError, TerraformInputError
from scanner.facts.values import Unknown
from scanner.iac.hcl import parse_var_option
from tests.hcl.support import instance, is_unknown, load

DECL = 'variable "x" {\n  type    = string\n  default = "default"\n}\nresource "test_thing" "t" {\n  v = var.x\n}\n'


def value(config: object) -> object:
    return instance(config, "test_thing.t").attrs["v"]  # type: ignore[arg-type]


def test_precedence_of_every_layer(tmp_path: Path) -> None:
    # lowest first: default, TF_VAR_, terraform.tfvars, terraform.tfvars.json, *.auto.tfvars (lexical),
    # --var-file and --var in the order given
    write = {"main.tf": DECL}
    assert value(load(tmp_path, write)) == "default"
    env = {"TF_VAR_x": "env"}
    assert value(load(tmp_path, environ=env)) == "env"
    (tmp_path / "terraform.tfvars").write_text('x = "tfvars"\n', encoding="utf-8")
    assert value(load(tmp_path, environ=env)) == "tfvars"
    (tmp_path / "terraform.tfvars.json").write_text('{"x": "tfvars-json"}', encoding="utf-8")
    assert value(load(tmp_path, environ=env)) == "tfvars-json"
    (tmp_path / "b.auto.tfvars").write_text('x = "auto-b"\n', encoding="utf-8")
    (tmp_path / "a.auto.tfvars.json").write_text('{"x": "auto-a"}', encoding="utf-8")
    assert value(load(tmp_path, environ=env)) == "auto-b"
    one, two = tmp_path / "one.tfvars", tmp_path / "two.tfvars"
    one.write_text('x = "file-one"\n', encoding="utf-8")
    two.write_text('x = "file-two"\n', encoding="utf-8")
    assert value(load(tmp_path, environ=env, var_files=[two, one])) == "file-one"
    assert value(load(tmp_path, environ=env, var_files=[one], variables=[("x", "cli-1"), ("x", "cli-2")])) == "cli-2"


def test_trace_names_where_each_value_was_set(tmp_path: Path) -> None:
    load(tmp_path, {"main.tf": DECL})
    trace = instance(load(tmp_path), "test_thing.t").trace["v"]
    assert trace == ('var.x = "default" (default, main.tf:3)',)
    (tmp_path / "terraform.tfvars").write_text('\n\nx = "from-file"\n', encoding="utf-8")
    assert instance(load(tmp_path), "test_thing.t").trace["v"] == ('var.x = "from-file" (terraform.tfvars:3)',)
    trace = instance(load(tmp_path, variables=[("x", "cli")]), "test_thing.t").trace["v"]
    assert trace == ('var.x = "cli" (--var)',)
    trace = instance(load(tmp_path / "sub", {"main.tf": DECL}, environ={"TF_VAR_x": "e"}), "test_thing.t").trace["v"]
    assert trace == ('var.x = "e" (TF_VAR_x)',)


def test_cli_values_are_literal_for_primitive_types_and_hcl_otherwise(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "s" { type = string }\nvariable "n" {}\n'
                             'variable "l" { type = list(string) }\nvariable "a" { type = any }\n'
                             'resource "test_thing" "t" {\n  s = var.s\n  n = var.n\n  l = var.l\n  a = var.a\n}\n'},
                  variables=[("s", '["not", "a", "list"]'), ("n", "[1]"), ("l", '["10.0.0.0/8"]'), ("a", "{k = 1}")])
    attrs = instance(config, "test_thing.t").attrs
    assert attrs["s"] == '["not", "a", "list"]'
    assert attrs["n"] == "[1]"  # no type: literal, as Terraform does
    assert attrs["l"] == ["10.0.0.0/8"]
    assert attrs["a"] == {"k": 1}


def test_root_variable_without_value_is_unknown_with_the_declaration(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": '\n\nvariable "cidrs" {\n  type = list(string)\n}\n'
                             'variable "tags" { type = map(string) }\n'
                             'resource "test_thing" "t" {\n  v = var.cidrs\n  m = var.tags\n}\n'})
    attrs = instance(config, "test_thing.t").attrs
    assert attrs["v"] == Unknown('variable "cidrs" has no value: declared without a default at main.tf:3; give it '
                                 "with --var or --var-file", "main.tf:3")
    assert isinstance(attrs["m"], Unknown)  # never {} or []


@pytest.mark.parametrize(("type_", "given", "expected"), [
    ("string", "5", "5"), ("string", "true", "true"), ("number", '"42"', 42), ("bool", '"false"', False),
    ("list(string)", '["a", 1, true]', ["a", "1", "true"]), ("set(string)", '["b", "a", "b"]', ["a", "b"]),
    ("map(number)", '{a = "1"}', {"a": 1}), ("list(any)", '["a", 1]', ["a", "1"]),
    ("tuple([string, number])", '[1, "2"]', ["1", 2]),
    ("object({a = string, b = optional(number, 7), c = optional(list(string))})", "{a = 1, z = 0}",
     {"a": "1", "b": 7, "c": None}),
    ("list(object({p = number, cidrs = optional(list(string), [\"10.0.0.0/8\"])}))", "[{p = 1}, {p = 2, cidrs = null}]",
     [{"p": 1, "cidrs": ["10.0.0.0/8"]}, {"p": 2, "cidrs": ["10.0.0.0/8"]}]),
    ("any", '{a = 1}', {"a": 1}),
])
def test_values_convert_to_the_declared_type(tmp_path: Path, type_: str, given: str, expected: object) -> None:
    config = load(tmp_path, {"main.tf": f'variable "x" {{\n  type = {type_}\n  default = {given}\n}}\n'
                                        'resource "test_thing" "t" {\n  v = var.x\n}\n'})
    assert value(config) == expected


@pytest.mark.parametrize(("type_", "given"), [
    ("number", '"abc"'), ("bool", "1"), ("list(string)", '{a = 1}'), ("object({a = string})", "{b = 1}"),
    ("tuple([string])", '["a", "b"]'), ("list(any)", "[1, true]"),
])
def test_values_that_do_not_convert_are_unknown(tmp_path: Path, type_: str, given: str) -> None:
    config = load(tmp_path, {"main.tf": f'variable "x" {{\n  type = {type_}\n  default = {given}\n}}\n'
                                        'resource "test_thing" "t" {\n  v = var.x\n}\n'})
    assert is_unknown(value(config), containing="does not convert")


def test_nullable_false_takes_the_default_for_null(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "x" {\n  default = "d"\n  nullable = false\n}\n'
                                        'resource "test_thing" "t" {\n  v = var.x\n}\n',
                             "terraform.tfvars": "x = null\n"})
    assert value(config) == "d"


def test_sensitive_values_never_reach_the_trace(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "pw" {\n  sensitive = true\n  default = "hunter2"\n}\n'
                                        'locals { conn = "user:${var.pw}" }\n'
                                        'resource "test_thing" "t" {\n  v = local.conn\n}\n'})
    inst = instance(config, "test_thing.t")
    assert inst.attrs["v"] == "user:hunter2"
    assert all("hunter2" not in line for line in inst.trace["v"])
    assert 'var.pw = (sensitive) (default, main.tf:3)' in inst.trace["v"]


def test_unknown_var_is_refused_before_planning(tmp_path: Path) -> None:
    load(tmp_path, {"main.tf": DECL})
    with pytest.raises(TerraformInputError) as err:
        load(tmp_path, variables=[("nope", "1")])
    assert isinstance(err.value, PacscanError) and "nope" in str(err.value)


def test_unreadable_or_unparseable_var_file_is_refused(tmp_path: Path) -> None:
    load(tmp_path, {"main.tf": DECL})
    with pytest.raises(TerraformInputError) as missing:
        load(tmp_path, var_files=[tmp_path / "missing.tfvars"])
    assert missing.value.path == str(tmp_path / "missing.tfvars")
    bad = tmp_path / "bad.tfvars"
    bad.write_text('x = "a"\ny = = 2\n', encoding="utf-8")
    with pytest.raises(TerraformInputError) as broken:
        load(tmp_path, var_files=[bad])
    assert broken.value.line == 2


def test_malformed_var_option_is_refused() -> None:
    assert parse_var_option("a=b=c") == ("a", "b=c")
    with pytest.raises(TerraformInputError):
        parse_var_option("novalue")


def test_an_auto_tfvars_file_that_does_not_parse_makes_its_variables_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": DECL, "bad.auto.tfvars": "x = = 1\n"})
    assert is_unknown(value(config), containing="does not parse")
    assert config.parse_failures == ()  # variable files are not Terraform configuration files


MODULE = """
variable "with_null" { default = null }
variable "required" {}
variable "typed" { type = number }
resource "test_thing" "m" {
  a = var.with_null
  b = var.required
  c = var.typed
}
"""


def test_module_variables_from_the_call_or_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'module "m" {\n  source = "./mod"\n  typed = "3"\n}\n', "mod/main.tf": MODULE})
    inst = instance(config, "module.m.test_thing.m")
    assert inst.attrs["a"] is None  # default = null, not set: null (known)
    assert is_unknown(inst.attrs["b"], containing="not set by the module call")
    assert inst.attrs["c"] == 3
    assert inst.trace["c"] == ('module.m input typed = 3 (main.tf:3)',)
    assert inst.trace["a"] == ("module.m var.with_null = null (default, mod/main.tf:2)",)


def test_instances_hold_plain_unknowns_only(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'variable "n" { type = number }\nvariable "b" { type = bool }\n'
                                        'resource "test_thing" "t" {\n  a = var.n\n  j = jsonencode({n = var.n})\n'
                                        '  c = [var.b ? var.n : 1]\n}\n'})
    attrs = instance(config, "test_thing.t").attrs
    assert type(attrs["a"]) is Unknown and type(attrs["j"].partial["n"]) is Unknown
    assert type(attrs["c"][0]) is Unknown
