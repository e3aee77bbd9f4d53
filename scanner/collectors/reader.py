"""Reading one resource's facts, whatever the cloud: a value, None for "not configured", or the
reason it could not be read.

Each provider names its own failures in :class:`CallErrors` (which exceptions a failed SDK call
raises, which of them mean "not configured", and a one-line reason) and binds them to a
:class:`FactReader` subclass. A denied or throttled call marks only its own fact unreadable
(``errors[key]``), so only the rules reading that fact become ``error``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class CallErrors:
    """How one provider's SDK fails: what to catch, what means "not configured", and why in words."""

    caught: Callable[[], tuple[type[Exception], ...]]
    is_not_configured: Callable[[BaseException], bool]
    reason: Callable[[BaseException], str]


def _same(value: Any) -> Any:
    return value


@dataclass
class FactReader:
    """Collects one resource's facts; a provider subclass sets :attr:`call_errors`."""

    call_errors: ClassVar[CallErrors]
    facts: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def read(self, key: str, call: Callable[[], Any], transform: Callable[[Any], Any] = _same) -> Any:
        """``transform(call())`` stored under ``key``; None (stored) when the provider says the
        setting is not configured; None (and ``errors[key]``) when the call failed otherwise."""
        try:
            value = transform(call())
        except self.call_errors.caught() as err:
            if self.call_errors.is_not_configured(err):
                self.facts[key] = None
                return None
            self.errors[key] = self.call_errors.reason(err)
            return None
        self.facts[key] = value
        return value

    def fail(self, key: str, why: str) -> None:
        """Mark ``key`` unreadable for a reason found outside :meth:`read`."""
        self.errors[key] = why
