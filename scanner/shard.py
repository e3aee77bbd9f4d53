"""``--shard I/N`` and ``--shard auto``: which slice of the tenants one run scans.

``I/N`` keeps the tenants at positions I-1, I-1+N, ... of the name-sorted list, so N runs with the
same tenants file cover every tenant exactly once, in balanced slices.

``auto`` reads the slice from the job runner that started the run, so a Kubernetes Indexed Job or
a CI matrix needs no per-shard arguments:

* ``PACSCAN_SHARD_INDEX`` (1-based) and ``PACSCAN_SHARD_COUNT``: set them from a CI matrix;
* else ``JOB_COMPLETION_INDEX`` (0-based; set by Kubernetes in every pod of an Indexed Job) with
  the count from ``JOB_COMPLETIONS`` or ``PACSCAN_SHARD_COUNT`` (Kubernetes does not expose a Job's
  ``completions`` to its pods: set one of them in the manifest, equal to ``spec.completions``).

Anything missing or malformed is an input error naming the variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from scanner.errors import InputError

__all__ = ["Shard", "ShardError"]


class ShardError(InputError):
    """``--shard`` is malformed, or ``--shard auto`` found no usable job index and count."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=_Named)


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int
    #: where the slice came from ("--shard", "PACSCAN_SHARD_INDEX/PACSCAN_SHARD_COUNT", ...)
    origin: str = field(default="--shard", compare=False)

    @classmethod
    def parse(cls, text: str, environ: Mapping[str, str] | None = None) -> Shard:
        """``I/N``, or ``auto`` (read from ``environ``, default the process environment)."""
        if text.strip().lower() == "auto":
            return cls.from_environment(os.environ if environ is None else environ)
        left, sep, right = text.partition("/")
        if not sep or not left.strip().isdigit() or not right.strip().isdigit():
            raise ShardError(f"expected I/N such as 1/4, or auto, got {text!r}")
        return cls._checked(int(left), int(right), f"shard {text!r}", "--shard")

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Shard:
        if env.get("PACSCAN_SHARD_INDEX") is not None:
            index = _integer(env, "PACSCAN_SHARD_INDEX")
            count = _integer(env, "PACSCAN_SHARD_COUNT")
            return cls._checked(index, count, "PACSCAN_SHARD_INDEX/PACSCAN_SHARD_COUNT",
                                "PACSCAN_SHARD_INDEX/PACSCAN_SHARD_COUNT")
        if env.get("JOB_COMPLETION_INDEX") is not None:
            count_name = "JOB_COMPLETIONS" if env.get("JOB_COMPLETIONS") is not None else "PACSCAN_SHARD_COUNT"
            if env.get(count_name) is None:
                raise ShardError("--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but neither "
                                 "JOB_COMPLETIONS nor PACSCAN_SHARD_COUNT is: set one to the Job's completions")
            index = _integer(env, "JOB_COMPLETION_INDEX") + 1
            return cls._checked(index, _integer(env, count_name), f"JOB_COMPLETION_INDEX/{count_name}",
                                f"JOB_COMPLETION_INDEX/{count_name}")
        raise ShardError("--shard auto: no job index in the environment: set PACSCAN_SHARD_INDEX (1-based) and "
                         "PACSCAN_SHARD_COUNT, or run as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) with "
                         "JOB_COMPLETIONS set")

    @classmethod
    def _checked(cls, index: int, count: int, what: str, origin: str) -> Shard:
        if not 1 <= index <= count:
            raise ShardError(f"{what}: need 1 <= I <= N, got shard {index} of {count}")
        return cls(index, count, origin)

    def select(self, tenants: Sequence[T]) -> tuple[T, ...]:
        """Sorted round-robin by name: deterministic, balanced, every tenant in exactly one shard."""
        ordered = sorted(tenants, key=lambda t: t.name)
        return tuple(t for position, t in enumerate(ordered) if position % self.count == self.index - 1)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"



def _integer(env: Mapping[str, str], name: str) -> int:
    text = env.get(name)
    if text is None:
        raise ShardError(f"--shard auto: {name} is not set")
    if not text.strip().isdigit():
        raise ShardError(f"--shard auto: {name} must be a whole number, not {text!r}")
    return int(text)
