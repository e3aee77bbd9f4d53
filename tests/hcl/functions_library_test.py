"""The rest of the function library: known values as Terraform gives them, errors, what each function decides
with unknown parts, and the filesystem functions' boundaries."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from scanner.facts.values import PartialDict, Unknown
from tests.hcl.functions_cases_more import FILE_CASES, FILE_TREE, MORE
from tests.hcl.functions_support import ERROR, S, U, check, conforms, fn, ids, outcome, write_tree


@pytest.mark.parametrize(("name", "args", "expected"), MORE, ids=ids(MORE))
def test_gives_what_terraform_gives(name: str, args: list[Any], expected: Any) -> None:
    check(name, args, expected)


@pytest.mark.parametrize(("name", "args", "expected"), FILE_CASES, ids=ids(FILE_CASES))
def test_filesystem_functions_give_what_terraform_gives(name: str, args: list[Any], expected: Any,
                                                       tmp_path: Path) -> None:
    write_tree(tmp_path, FILE_TREE)
    result = outcome(name, *args, base_dir=tmp_path)
    assert result == expected, (name, args, result)


def test_fileset_with_unknown_arguments_and_huge_trees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.iac.hcl import functions_glob

    assert isinstance(fn("fileset", U(), "*"), Unknown) and isinstance(fn("fileset", ".", U()), Unknown)
    write_tree(tmp_path, {f"f{i}.txt": "x" for i in range(20)})
    monkeypatch.setattr(functions_glob, "_MAX_ENTRIES", 10)
    assert isinstance(fn("fileset", ".", "*", base_dir=tmp_path), Unknown)


def test_sort_places_unknown_elements_in_every_gap() -> None:
    result = fn("sort", ["b", U(), "a"])
    assert [v for v in result if not isinstance(v, Unknown)] == ["a", "b"]
    assert all(conforms(result, xs) for xs in (["0", "a", "b"], ["a", "ab", "b"], ["a", "b", "c"]))
    assert not conforms(result, ["b", "a", "c"])


def test_list_functions_keep_known_elements_before_an_unknown_number_of_elements() -> None:
    assert fn("slice", ["a", "b", S(), "c"], 0, 2) == ["a", "b"]
    assert isinstance(fn("slice", ["a", S()], 0, 2), Unknown)
    assert outcome("slice", ["a", S()], 2, 1) == ERROR
    chunks = fn("chunklist", ["a", "b", "c", S()], 2)
    assert chunks[0] == ["a", "b"] and chunks[1].spread and len(chunks) == 2
    assert fn("reverse", ["a", S(), "b"])[0] == "b"
    assert fn("index", ["a", S(), "b"], "a") == 0
    assert isinstance(fn("index", ["a", S(), "b"], "b"), Unknown)
    assert isinstance(fn("index", [U(), "b"], "b"), Unknown)
    assert isinstance(fn("one", [S()]), Unknown)
    assert fn("one", [U("only")]) == U("only")


def test_aggregates_decide_what_the_known_elements_decide() -> None:
    assert fn("alltrue", [U(), False]) is False
    assert isinstance(fn("alltrue", [U(), True]), Unknown)
    assert fn("anytrue", [U(), True]) is True
    assert isinstance(fn("anytrue", [S(), False]), Unknown)
    assert isinstance(fn("sum", [1, U()]), Unknown)
    assert isinstance(fn("max", 1, U()), Unknown)


def test_set_functions_keep_what_unknown_elements_cannot_change() -> None:
    union = fn("setunion", ["a"], ["b", U()])
    assert union[:2] == ["a", "b"] and union[2].spread
    both = fn("setintersection", ["a", "b", "c"], ["b", "c", U()], ["a", "b", "c"])
    assert both[:2] == ["b", "c"] and both[2].spread
    maybe = fn("setintersection", ["a", "b"], ["b", "c"], [U()])
    assert len(maybe) == 1 and maybe[0].spread
    assert fn("setsubtract", ["a", "b"], ["c", U()])[-1].spread
    assert fn("setsubtract", ["a", U()], ["a"])[0].spread
    assert fn("setproduct", ["a"], [], [U()]) == []
    assert isinstance(fn("setproduct", ["a"], [U()]), Unknown)


def test_map_functions_with_unknown_parts() -> None:
    assert fn("zipmap", ["a", "b"], [1, U()]) == {"a": 1, "b": U()}
    assert isinstance(fn("zipmap", ["a", U()], [1, 2]), Unknown)
    assert isinstance(fn("zipmap", ["a"], [S()]), Unknown)
    assert isinstance(fn("transpose", {"a": ["1", U()]}), Unknown)
    assert isinstance(fn("matchkeys", ["a", "b"], ["x", U()], ["x"]), Unknown)


def test_formatlist_makes_only_the_iterations_with_unknown_values_unknown() -> None:
    result = fn("formatlist", "%s-%s", ["a", U(), "c"], "x")
    assert result[0] == "a-x" and result[2] == "c-x" and isinstance(result[1], Unknown)
    assert isinstance(fn("formatlist", "%s", ["a", S()]), Unknown)
    assert isinstance(fn("formatlist", "%s", U()), Unknown)


def test_an_unknown_with_a_symbol_formatted_as_text_names_the_result_by_it() -> None:
    arn = U("aws_s3_bucket.b.arn is known after apply", symbol="aws_s3_bucket.b.arn")
    assert fn("format", "%s/*", arn).symbol == "${aws_s3_bucket.b.arn}/*"
    assert fn("join", "/", ["x", arn, "y"]).symbol == "x/${aws_s3_bucket.b.arn}/y"
    assert fn("formatlist", "%v/*", [arn, "b"])[0].symbol == "${aws_s3_bucket.b.arn}/*"
    assert fn("format", "%s", U(symbol="${aws_s3_bucket.b.arn}/*")).symbol == "${aws_s3_bucket.b.arn}/*"
    for result in (fn("format", "%s-%s", arn, arn), fn("format", "%5s", arn), fn("join", ",", [arn, U()])):
        assert isinstance(result, Unknown) and result.symbol is None


def test_startswith_is_true_for_an_empty_prefix_of_an_unknown_string() -> None:
    assert fn("startswith", U(), "") is True
    assert isinstance(fn("startswith", U(), "a"), Unknown)
    assert isinstance(fn("endswith", U(), ""), Unknown)


def test_unsupported_re2_syntax_is_unknown_not_guessed() -> None:
    result = fn("regex", "\\pL+", "abc")
    assert isinstance(result, Unknown) and "RE2" in result.reason
    assert outcome("regex", "a(?=b)", "ab") == ERROR


def test_patterns_that_backtrack_exponentially_are_matched_in_isolation_with_a_time_limit() -> None:
    assert fn("regex", "^(\\d+\\.)+\\d+$", "1.2.3") == ["2."]
    assert fn("replace", "a.b.c", "/(\\w+\\.)+/", "[$1]") == "[b.]c"
    slow = fn("regex", "(a+)+$", "a" * 40 + "!")
    assert isinstance(slow, Unknown) and "too long" in slow.reason


def test_results_too_large_to_build_are_unknown() -> None:
    assert isinstance(fn("indent", 2**40, "a\nb"), Unknown)
    assert isinstance(fn("format", "%999999999999s", "x"), Unknown)
    assert isinstance(fn("setproduct", *[["a", "b", "c", "d"]] * 13), Unknown)


def test_what_changes_from_run_to_run_or_machine_to_machine_is_unknown() -> None:
    for name, args in (("timestamp", []), ("uuid", []), ("plantimestamp", []), ("bcrypt", ["secret"]),
                       ("abspath", ["relative/path"]), ("pathexpand", ["~/x"]), ("pathexpand", ["~"])):
        assert isinstance(fn(name, *args), Unknown), name
    assert outcome("timestamp", 1) == ERROR


def test_file_functions_read_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"hello world")
    assert fn("filebase64", "data.bin", base_dir=tmp_path) == "aGVsbG8gd29ybGQ="
    assert fn("filemd5", "data.bin", base_dir=tmp_path) == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert fn("filesha256", "data.bin", base_dir=tmp_path) == \
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert fn("filebase64sha256", "data.bin", base_dir=tmp_path) == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
    assert fn("filesha1", "data.bin", base_dir=tmp_path) == "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
    assert len(fn("filesha512", "data.bin", base_dir=tmp_path)) == 128
    assert len(fn("filebase64sha512", "data.bin", base_dir=tmp_path)) == 88
    assert outcome("filemd5", "nope", base_dir=tmp_path) == ERROR


def test_fileexists(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "dir").mkdir()
    assert fn("fileexists", "a.txt", base_dir=tmp_path) is True
    assert fn("fileexists", "b.txt", base_dir=tmp_path) is False
    assert outcome("fileexists", "a.txt/b", base_dir=tmp_path) == ERROR
    assert outcome("fileexists", "dir", base_dir=tmp_path) == ERROR
    assert isinstance(fn("fileexists", "~/x", base_dir=tmp_path), Unknown)


def test_file_follows_symlinks_as_terraform_does(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("real")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    assert fn("file", "link.txt", base_dir=tmp_path) == "real"


def test_file_does_not_read_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    result = fn("file", "pipe", base_dir=tmp_path)
    assert isinstance(result, Unknown) and "not a regular file" in result.reason


def test_file_too_large_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.iac.hcl import functions_files

    (tmp_path / "big.txt").write_text("x" * 100)
    monkeypatch.setattr(functions_files, "_MAX_BYTES", 10)
    assert isinstance(fn("file", "big.txt", base_dir=tmp_path), Unknown)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_unknown_and_marked_as_a_read_error(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    secret.chmod(0)
    result = fn("file", "secret.txt", base_dir=tmp_path)
    assert isinstance(result, Unknown) and result.error


def test_yaml_alias_bombs_are_unknown_rather_than_expanded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        lines.append(f"{chr(97 + level)}: &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 10) + "]")
    result = fn("yamldecode", "\n".join(lines))
    assert isinstance(result, Unknown) and "million" in result.reason


def test_yamlencode_needs_the_whole_value() -> None:
    assert isinstance(fn("yamlencode", {"a": [1, U()]}), Unknown)
    assert fn("yamldecode", fn("yamlencode", {"a": [1, "x\ny"], "b": None})) == {"a": [1, "x\ny"], "b": None}


def test_partial_dicts_convert_their_known_values() -> None:
    converted = fn("tomap", PartialDict({"a": 1}, U()))
    assert isinstance(converted, PartialDict) and converted["a"].candidates == (1, "1")
