"""The Terraform function library: the API, the minimum set the evaluator needs (known values as Terraform gives
them, errors, and what each decides when parts of its arguments are unknown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl import functions
from tests.hcl.functions_cases import CORE
from tests.hcl.functions_support import BASE, ERROR, S, U, check, conforms, fn, ids, outcome

MINIMUM = [
    "concat", "merge", "flatten", "lookup", "coalesce", "coalescelist", "compact", "distinct", "element", "contains",
    "keys", "values", "length", "tolist", "toset", "tomap", "tostring", "tonumber", "format", "join", "split",
    "replace", "lower", "upper", "trimspace", "jsonencode", "jsondecode", "yamldecode", "cidrsubnet", "cidrhost",
    "file",
]
CIDRS = U("var.cidrs has no value (no default, no tfvars)", origin="main.tf:3", error=True)


@pytest.mark.parametrize(("name", "args", "expected"), CORE, ids=ids(CORE))
def test_gives_what_terraform_gives(name: str, args: list[Any], expected: Any) -> None:
    check(name, args, expected)


# --- the API ---------------------------------------------------------------------------------------------------

def test_supports_at_least_the_minimum_set_and_leaves_the_evaluators_functions_to_it() -> None:
    assert set(MINIMUM) <= functions.SUPPORTED
    assert not {"try", "can", "templatefile", "templatestring"} & functions.SUPPORTED
    assert len(functions.SUPPORTED) >= 100


def test_an_unimplemented_function_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        functions.call("nosuchfunction", [], base_dir=BASE)


def test_core_prefix_names_the_same_function() -> None:
    assert fn("core::upper", "x") == "X"


@pytest.mark.parametrize(("name", "args"), [("upper", []), ("upper", ["a", "b"]), ("lookup", [{}]),
                                            ("lookup", [{}, "a", 1, 2]), ("cidrsubnet", ["10.0.0.0/8", 8])])
def test_wrong_arity_is_a_function_error(name: str, args: list[Any]) -> None:
    with pytest.raises(functions.FunctionError, match=name):
        functions.call(name, args, base_dir=BASE)


def test_null_where_terraform_rejects_null_is_a_function_error() -> None:
    assert outcome("upper", None) == ERROR
    assert outcome("concat", ["a"], None) == ERROR
    assert outcome("length", None) == ERROR


def test_a_defect_becomes_an_unknown_result_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(call: Any, value: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setenv("PACSCAN_HCL_STRICT", "0")
    spec = functions._REGISTRY["upper"]
    monkeypatch.setitem(functions._REGISTRY, "upper", type(spec)(broken, spec.params))
    result = functions.call("upper", ["x"], base_dir=BASE)
    assert isinstance(result, Unknown) and "could not evaluate" in result.reason
    monkeypatch.setenv("PACSCAN_HCL_STRICT", "1")
    with pytest.raises(ZeroDivisionError):
        functions.call("upper", ["x"], base_dir=BASE)


def test_integral_floats_come_back_as_ints() -> None:
    assert type(fn("max", 1.0, 2.0)) is int
    assert fn("concat", [1.0, 2.5]) == [1, 2.5] and type(fn("concat", [1.0])[0]) is int


# --- unknown arguments -------------------------------------------------------------------------------------------

def test_an_unknown_argument_names_the_function_and_keeps_the_inputs_reason_origin_and_error() -> None:
    result = fn("join", ",", CIDRS)
    assert isinstance(result, Unknown)
    assert result.reason == "join: argument 2 is unknown (var.cidrs has no value (no default, no tfvars))"
    assert (result.origin, result.error, result.spread, result.candidates) == ("main.tf:3", True, False, ())


def test_known_arguments_are_checked_before_an_unknown_one_decides() -> None:
    assert outcome("cidrsubnet", CIDRS, "eight", 1) == ERROR
    assert isinstance(fn("cidrsubnet", CIDRS, 8, 1), Unknown)


def test_concat_keeps_known_elements_and_spreads_an_unknown_list() -> None:
    result = fn("concat", CIDRS, ["10.0.0.0/8"])
    assert isinstance(result[0], Unknown) and result[0].spread and result[1:] == ["10.0.0.0/8"]
    assert result[0].reason.startswith("concat: argument 1 is unknown (var.cidrs") and result[0].error
    element = U()
    assert fn("concat", ["a", element], ["b"]) == ["a", element, "b"]


def test_flatten_keeps_the_known_structure_and_spreads_unknown_elements() -> None:
    result = fn("flatten", [["a", ["b"]], U(), [S(), "c"]])
    assert result[:2] == ["a", "b"] and result[4] == "c"
    assert all(isinstance(v, Unknown) and v.spread for v in result[2:4])
    assert isinstance(fn("flatten", U()), Unknown)


def test_compact_and_distinct_keep_known_elements_and_an_unknown_element_may_vanish() -> None:
    compacted = fn("compact", ["a", "", U(), None, "b"])
    assert compacted[0] == "a" and compacted[2] == "b" and compacted[1].spread
    distinct = fn("distinct", ["a", "b", U(), "a", "c"])
    assert [distinct[0], distinct[1], distinct[3]] == ["a", "b", "c"] and distinct[2].spread
    assert conforms(distinct, ["a", "b", "c"]) and conforms(distinct, ["a", "b", "z", "c"])


def test_length_is_known_when_only_element_values_are_unknown() -> None:
    assert fn("length", [U(), "a"]) == 2
    assert isinstance(fn("length", ["a", S()]), Unknown)
    assert isinstance(fn("length", PartialDict({"a": 1}, U())), Unknown)
    assert fn("length", {"a": U()}) == 1
    assert isinstance(fn("length", U()), Unknown)


def test_contains_is_true_on_a_known_match_and_unknown_only_when_an_unknown_element_could_match() -> None:
    assert fn("contains", ["a", U()], "a") is True
    assert isinstance(fn("contains", ["a", U()], "b"), Unknown)
    assert isinstance(fn("contains", ["a", S()], "b"), Unknown)
    assert fn("contains", ["a", "c"], "b") is False
    assert isinstance(fn("contains", ["a"], U()), Unknown)
    assert isinstance(fn("contains", [["a", U()]], ["a", "c"]), Unknown)
    assert fn("contains", [["a", U()]], ["b", "c"]) is False
    assert fn("contains", [["a", U()]], ["a", "c", "d"]) is False


def test_merge_an_unknown_map_may_override_earlier_keys_but_not_later_ones() -> None:
    result = fn("merge", {"a": 1, "b": 2}, CIDRS, {"b": 3, "c": 4})
    assert isinstance(result, PartialDict) and result.rest.error
    assert isinstance(result["a"], Unknown) and "may set 'a'" in result["a"].reason
    assert (result["b"], result["c"]) == (3, 4)
    partly = fn("merge", {"a": 1, "b": 2}, PartialDict({"b": 5}, U()), {"c": None})
    assert isinstance(partly["a"], Unknown) and partly["b"] == 5 and partly["c"] is None
    assert isinstance(partly, PartialDict)
    known_keys = fn("merge", {"a": U()}, {"b": 1})
    assert not isinstance(known_keys, PartialDict) and known_keys["b"] == 1 and isinstance(known_keys["a"], Unknown)
    assert fn("merge", None, {"a": 1}) == {"a": 1}


def test_lookup_in_a_partly_known_map() -> None:
    partial = PartialDict({"a": 1, "u": U("u")}, CIDRS)
    assert fn("lookup", partial, "a") == 1
    assert fn("lookup", partial, "u") == U("u")
    missing = fn("lookup", partial, "b", "default")
    assert isinstance(missing, Unknown) and "'b' may be among the map's unseen keys" in missing.reason
    assert fn("lookup", {"a": 1}, "a", U()) == 1
    assert isinstance(fn("lookup", {"a": 1}, U(), 0), Unknown)
    assert isinstance(fn("lookup", U(), "a", 0), Unknown)


def test_element_wraps_around_and_is_known_before_the_first_spread() -> None:
    assert fn("element", ["a", U(), "c"], 5) == "c"
    unknown = U("the one")
    assert fn("element", ["a", unknown], 3) is unknown
    assert fn("element", ["a", "b", S()], 1) == "b"
    assert isinstance(fn("element", ["a", "b", S()], 2), Unknown)
    assert isinstance(fn("element", ["a", S(), "b"], 1), Unknown)
    assert isinstance(fn("element", ["a", "b"], U()), Unknown)


def test_keys_and_values_of_a_partly_known_map_keep_the_known_entries_in_order() -> None:
    keys = fn("keys", PartialDict({"b": 1, "a": 2}, U()))
    assert [k for k in keys if not isinstance(k, Unknown)] == ["a", "b"]
    assert conforms(keys, ["0", "a", "aa", "b", "c"]) and not conforms(keys, ["b", "a"])
    values = fn("values", PartialDict({"b": 1, "a": 2}, U()))
    assert [v for v in values if not isinstance(v, Unknown)] == [2, 1]
    assert fn("keys", {"a": U()}) == ["a"]


def test_coalesce_decides_with_a_known_argument_when_everything_before_it_is_known() -> None:
    assert fn("coalesce", "", "a", U()) == "a"
    assert fn("coalesce", None, "a", U()) == "a"
    # a null among the arguments: an unknown of a type fitting no other makes them convert to nothing at all
    assert fn("coalesce", None, "", "a", U()).candidates == ("a", "")
    assert fn("coalesce", 0, None, U()).candidates == (0, "0")
    assert isinstance(fn("coalesce", "", U(), "a"), Unknown)
    widened = fn("coalesce", 1, U())
    assert isinstance(widened, Unknown) and widened.candidates == (1, "1")
    assert fn("coalesce", "x", U()) == "x"
    partial = fn("coalesce", PartialDict({"a": 1}, U()), {"a": 2})
    assert isinstance(partial, PartialDict) and partial["a"].candidates == (1, "1")
    assert fn("coalesce", ["a", U()], ["b"]) == ["a", U()]
    assert fn("coalescelist", [], ["a", U()], U()) == ["a", U()]
    assert isinstance(fn("coalescelist", [], U(), ["a"]), Unknown)
    assert isinstance(fn("coalescelist", [S()], ["a"]), Unknown)


def test_conversions_keep_unknown_elements_in_place() -> None:
    assert fn("tolist", ["a", U()]) == ["a", U()]
    listed = fn("tolist", [80, U()])
    assert listed[0].candidates == (80, "80") and listed[1] == U()
    setted = fn("toset", ["b", U(), "a", "b"])
    assert setted[:2] == ["a", "b"] and setted[2].spread
    mapped = fn("tomap", PartialDict({"a": "x"}, U()))
    assert isinstance(mapped, PartialDict) and mapped == {"a": "x"}
    assert isinstance(fn("tostring", U()), Unknown) and fn("tostring", None) is None


@pytest.mark.parametrize(("name", "args"), [
    ("join", [",", ["a", U()]]), ("join", [U(), ["a"]]), ("format", ["%s-%s", "a", U()]), ("format", [U(), "a"]),
    ("format", ["%v", ["a", U()]]), ("replace", [U(), "a", "b"]), ("replace", ["abc", U(), "b"]),
    ("lower", [U()]), ("upper", [U()]), ("trimspace", [U()]), ("split", [",", U()]), ("split", [U(), "a,b"]),
    ("yamldecode", [U()]), ("cidrsubnet", ["10.0.0.0/8", U(), 2]), ("cidrhost", [U(), 1]),
    ("file", [U()]), ("tonumber", [U()]), ("jsondecode", [U()]),
])
def test_string_functions_need_every_input_they_read(name: str, args: list[Any]) -> None:
    result = fn(name, *args)
    assert isinstance(result, Unknown) and result.reason.startswith(f"{name}: ") and "var.x has no value" in \
        result.reason


def test_format_rejects_an_argument_it_does_not_use_even_an_unknown_one() -> None:
    assert outcome("format", "%s", "a", U()) == ERROR


def test_jsonencode_of_a_partly_unknown_value_carries_it_and_jsondecode_gives_it_back() -> None:
    document = {"Statement": [{"Resource": U("aws_s3_bucket.b.arn is known after apply"), "Effect": "Deny"}]}
    encoded = fn("jsonencode", document)
    assert isinstance(encoded, Unknown) and encoded.partial == document
    assert "jsonencode: part of argument 1 is unknown" in encoded.reason
    assert fn("jsondecode", encoded) == document
    assert isinstance(fn("jsondecode", U()), Unknown)


def test_file_reads_relative_to_the_module_folder_or_absolute(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text('{"a": 1}\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert fn("file", "policy.json", base_dir=tmp_path) == '{"a": 1}\n'
    assert fn("file", "./sub/../policy.json", base_dir=tmp_path) == '{"a": 1}\n'
    assert fn("file", str(tmp_path / "policy.json"), base_dir=Path("/nonexistent")) == '{"a": 1}\n'
    assert outcome("file", "missing.json", base_dir=tmp_path) == ERROR
    assert outcome("file", "sub", base_dir=tmp_path) == ERROR
    (tmp_path / "binary").write_bytes(b"\xff\xfe")
    assert outcome("file", "binary", base_dir=tmp_path) == ERROR
    home = fn("file", "~/.aws/credentials", base_dir=tmp_path)
    assert isinstance(home, Unknown) and "home directory" in home.reason
