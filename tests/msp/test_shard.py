"""--shard I/N: every tenant in exactly one slice, the same slice on every run."""

from __future__ import annotations

import pytest

from scanner.msp import Shard
from scanner.shard import ShardError
from scanner.tenants import AwsAccess, Tenant

NAMES = ["zeta", "alpha", "mid-town", "bright-smiles", "elm-endo", "a1", "oak"]


def tenants(names: list[str]) -> tuple[Tenant, ...]:
    return tuple(Tenant(name=n, aws=AwsAccess(profile="p")) for n in names)


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_slices_cover_every_tenant_exactly_once(count: int) -> None:
    picked = [t.name for i in range(1, count + 1) for t in Shard(i, count).select(tenants(NAMES))]
    assert sorted(picked) == sorted(NAMES)
    sizes = [len(Shard(i, count).select(tenants(NAMES))) for i in range(1, count + 1)]
    assert max(sizes) - min(sizes) <= 1  # balanced


def test_a_slice_does_not_depend_on_the_order_of_the_file() -> None:
    assert Shard(2, 3).select(tenants(NAMES)) == Shard(2, 3).select(tenants(list(reversed(NAMES))))
    assert [t.name for t in Shard(1, 3).select(tenants(NAMES))] == ["a1", "elm-endo", "zeta"]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
def test_bad_shard_specs_are_rejected(text: str) -> None:
    with pytest.raises(ShardError):
        Shard.parse(text)


def test_shard_spec_round_trips() -> None:
    assert Shard.parse("2/4") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
