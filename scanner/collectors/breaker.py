"""A circuit breaker per endpoint, so a scan whose endpoint died fails fast instead of retrying
every remaining call into it.

Each cloud session counts, per key (an AWS account's region, the Azure Resource Manager endpoint,
a GCP project's API), the *consecutive* transport failures of its requests: connection
refused, reset or closed, connect and read timeouts, a host that no longer resolves. Any answer
from the endpoint, even an error status, resets the count. The breaker opens after ``failures``
in a row that are spread over at least ``seconds`` (a blip that fails every request in flight at
one instant does not open it: the retries decide), or at once for an endpoint that has not
answered a single request in this scan. Then every request to that key fails at once, without
being sent and without retries, with one reason naming the endpoint and the last failure, so the
remaining reads become ``error`` findings carrying that reason and the scan moves on. After
``cooldown`` seconds one request is let through as a trial; an answer closes the breaker,
another failure keeps it open.

``PACSCAN_BREAKER_FAILURES`` (default 3; 0 turns the breaker off), ``PACSCAN_BREAKER_SECONDS``
(default 1) and ``PACSCAN_BREAKER_COOLDOWN`` (seconds, default 10) override the defaults.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scanner.errors import InputError

__all__ = ["BreakerPolicy", "CircuitBreaker"]


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int = 3  # consecutive transport failures that open the breaker; 0: never
    seconds: float = 1.0  # ... spread over at least this long
    cooldown: float = 10.0  # seconds before one trial request

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BreakerPolicy:
        env = os.environ if environ is None else environ
        base = cls()
        return cls(failures=int(_number(env, "PACSCAN_BREAKER_FAILURES", base.failures)),
                   seconds=_number(env, "PACSCAN_BREAKER_SECONDS", base.seconds),
                   cooldown=_number(env, "PACSCAN_BREAKER_COOLDOWN", base.cooldown))


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text) if isinstance(default, int) else float(text)
    except ValueError:
        raise InputError(f"{name} must be a number, not {text!r}") from None
    if value < 0:
        raise InputError(f"{name} must not be negative, not {text!r}")
    return value


@dataclass
class _State:
    consecutive: int = 0
    first_failure_at: float = 0.0
    opened_at: float | None = None
    reason: str = ""
    trial: bool = False  # a trial request is in flight


@dataclass
class CircuitBreaker:
    """Thread-safe; one per scanned account / subscription set / project."""

    policy: BreakerPolicy = field(default_factory=BreakerPolicy)
    clock: Callable[[], float] = time.monotonic
    _states: dict[str, _State] = field(default_factory=dict)
    _alive: set[str] = field(default_factory=set)  # keys whose endpoint has answered at least once
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, key: str) -> str | None:
        """The reason a request to ``key`` must not be sent now, or None to send it."""
        with self._lock:
            state = self._states.get(key)
            if state is None or state.opened_at is None:
                return None
            if not state.trial and self.clock() - state.opened_at >= self.policy.cooldown:
                state.trial = True  # this request is the trial
                return None
            return state.reason

    def answered(self, key: str) -> None:
        """The endpoint answered (whatever the status): it is reachable."""
        with self._lock:
            self._states.pop(key, None)
            self._alive.add(key)

    def failed(self, key: str, endpoint: str, why: str) -> None:
        """A request to ``key`` failed in transport (``why``: the error, without the request's path)."""
        if self.policy.failures <= 0:
            return
        with self._lock:
            now = self.clock()
            state = self._states.setdefault(key, _State(first_failure_at=now))
            state.consecutive += 1
            state.trial = False
            if state.opened_at is not None:  # a failed trial: stay open, with the reason it opened for
                state.opened_at = now
            elif state.consecutive >= self.policy.failures and (
                    now - state.first_failure_at >= self.policy.seconds or key not in self._alive):
                state.opened_at = now
                state.reason = (f"{endpoint} stopped answering: {state.consecutive} consecutive connection failures "
                                f"in {now - state.first_failure_at:.0f} s (last: {why}); the remaining requests to "
                                "it were not sent")

    def is_open(self, key: str) -> bool:
        with self._lock:
            state = self._states.get(key)
            return state is not None and state.opened_at is not None
