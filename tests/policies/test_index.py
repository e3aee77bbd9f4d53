"""policies/terraform/index.py: which sub-resources configure which parent, certainly or possibly."""

from __future__ import annotations

from policies.terraform.index import Index
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfConfiguration
from tests.policies.aws.support import after_apply, inst, var

CHILD = "aws_s3_bucket_versioning"


def linked(*instances: object) -> dict[str, tuple[list[str], list[str]]]:
    index = Index(TfConfiguration(root="/config", instances=tuple(instances)))  # type: ignore[arg-type]
    parents = index.of_type("aws_s3_bucket")
    found = index.children_of(parents, [CHILD], "bucket", lambda p: (p.attrs.get("bucket"),))
    single = {p.address: index.children(p, [CHILD], "bucket", (p.attrs.get("bucket"),)) for p in parents}
    assert found == single  # children() is children_of() for one parent
    return {a: ([c.address for c in link.certain], [c.address for c in link.possible]) for a, link in found.items()}


def test_a_reference_or_the_literal_name_links_certainly() -> None:
    got = linked(inst("aws_s3_bucket.a", {"bucket": "a"}), inst("aws_s3_bucket.b", {"bucket": "b"}),
                 inst(f"{CHILD}.by_ref", {"bucket": after_apply("aws_s3_bucket.a")}, {"bucket": ("aws_s3_bucket.a",)}),
                 inst(f"{CHILD}.by_name", {"bucket": "b"}))
    assert got == {"aws_s3_bucket.a": ([f"{CHILD}.by_ref"], []), "aws_s3_bucket.b": ([f"{CHILD}.by_name"], [])}


def test_a_known_value_picks_one_bucket_of_a_reference_to_all_of_them() -> None:
    """``for_each = aws_s3_bucket.all`` refers to every instance; each child names one bucket."""
    every = ('aws_s3_bucket.all["x"]', 'aws_s3_bucket.all["y"]')
    got = linked(inst('aws_s3_bucket.all["x"]', {"bucket": "x"}), inst('aws_s3_bucket.all["y"]', {"bucket": "y"}),
                 inst(f'{CHILD}.v["x"]', {"bucket": "x"}, {"bucket": every}),
                 inst(f'{CHILD}.v["y"]', {"bucket": "y"}, {"bucket": every}))
    assert got == {'aws_s3_bucket.all["x"]': ([f'{CHILD}.v["x"]'], []),
                   'aws_s3_bucket.all["y"]': ([f'{CHILD}.v["y"]'], [])}


def test_an_unknown_value_naming_one_instance_by_its_symbol_picks_that_one() -> None:
    every = ('aws_s3_bucket.all["x"]', 'aws_s3_bucket.all["y"]')
    got = linked(inst('aws_s3_bucket.all["x"]', {"bucket": Unknown("generated")}),
                 inst('aws_s3_bucket.all["y"]', {"bucket": Unknown("generated")}),
                 inst(f'{CHILD}.v["y"]', {"bucket": after_apply('aws_s3_bucket.all["y"]')}, {"bucket": every}))
    assert got == {'aws_s3_bucket.all["x"]': ([], []), 'aws_s3_bucket.all["y"]': ([f'{CHILD}.v["y"]'], [])}


def test_an_unattributable_child_may_configure_every_parent() -> None:
    got = linked(inst("aws_s3_bucket.a", {"bucket": "a"}), inst("aws_s3_bucket.b", {"bucket": var("name")}),
                 inst(f"{CHILD}.unknown", {"bucket": var("target")}), inst(f"{CHILD}.literal", {"bucket": "c"}),
                 inst(f"{CHILD}.elsewhere", {"bucket": after_apply("aws_s3_bucket.x")},
                      {"bucket": ("aws_s3_bucket.x",)}))
    # the literal "c" may be b, whose name is unknown; it is not a
    assert got == {"aws_s3_bucket.a": ([], [f"{CHILD}.unknown", f"{CHILD}.elsewhere"]),
                   "aws_s3_bucket.b": ([], [f"{CHILD}.unknown", f"{CHILD}.literal", f"{CHILD}.elsewhere"])}
