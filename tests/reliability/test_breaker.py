"""The circuit breaker's rules, on a clock the test moves (the live behaviour is in test_fail_fast.py)."""

from __future__ import annotations

import pytest

from scanner.cli import main
from scanner.collectors.breaker import BreakerPolicy, CircuitBreaker
from scanner.errors import InputError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **policy: float) -> CircuitBreaker:
    return CircuitBreaker(BreakerPolicy(**policy), clock)  # type: ignore[arg-type]


def test_consecutive_failures_spread_over_a_second_open_it_with_one_reason() -> None:
    clock = Clock()
    cb = breaker(clock)
    cb.answered("us-east-1")  # the endpoint was alive
    for _ in range(5):  # a blip: every request in flight fails at one instant
        cb.failed("us-east-1", "AWS us-east-1 endpoint e", "ConnectionClosedError")
    assert cb.blocked("us-east-1") is None, "the retries decide a blip"
    clock.now += 1.5
    cb.failed("us-east-1", "AWS us-east-1 endpoint e", "EndpointConnectionError")
    reason = cb.blocked("us-east-1")
    assert reason == ("AWS us-east-1 endpoint e stopped answering: 6 consecutive connection failures in 2 s "
                      "(last: EndpointConnectionError); the remaining requests to it were not sent")
    assert cb.blocked("eu-west-1") is None, "one key only"
    cb.failed("us-east-1", "AWS us-east-1 endpoint e", "ReadTimeoutError")
    assert cb.blocked("us-east-1") == reason, "the reason stays the one it opened for"


def test_an_answer_in_between_resets_the_count() -> None:
    clock = Clock()
    cb = breaker(clock)
    cb.answered("k")
    for _ in range(10):
        cb.failed("k", "e", "EndpointConnectionError")
        clock.now += 1
        cb.failed("k", "e", "EndpointConnectionError")
        cb.answered("k")
    assert not cb.is_open("k")


def test_an_endpoint_that_never_answered_opens_after_the_count_alone() -> None:
    cb = breaker(Clock())
    for _ in range(3):
        cb.failed("k", "e", "EndpointConnectionError")
    assert cb.is_open("k")


def test_after_the_cooldown_one_trial_goes_through_and_an_answer_closes_it() -> None:
    clock = Clock()
    cb = breaker(clock, cooldown=10.0)
    for _ in range(3):
        cb.failed("k", "e", "EndpointConnectionError")
    clock.now += 9
    assert cb.blocked("k") is not None
    clock.now += 1
    assert cb.blocked("k") is None, "the trial"
    assert cb.blocked("k") is not None, "only one trial at a time"
    cb.failed("k", "e", "EndpointConnectionError")
    assert cb.blocked("k") is not None, "a failed trial keeps it open for another cooldown"
    clock.now += 10
    assert cb.blocked("k") is None
    cb.answered("k")
    assert cb.blocked("k") is None and not cb.is_open("k")


def test_zero_failures_turns_it_off() -> None:
    cb = breaker(Clock(), failures=0)
    for _ in range(50):
        cb.failed("k", "e", "EndpointConnectionError")
    assert cb.blocked("k") is None


def test_the_knobs_come_from_the_environment() -> None:
    assert BreakerPolicy.from_env({}) == BreakerPolicy()
    assert BreakerPolicy.from_env({"PACSCAN_BREAKER_FAILURES": "0", "PACSCAN_BREAKER_COOLDOWN": "2.5"}) == \
        BreakerPolicy(failures=0, cooldown=2.5)
    with pytest.raises(InputError, match="PACSCAN_BREAKER_SECONDS"):
        BreakerPolicy.from_env({"PACSCAN_BREAKER_SECONDS": "soon"})


def test_a_bad_knob_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PACSCAN_BREAKER_FAILURES", "-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert main(["cloud", "aws", "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PACSCAN_BREAKER_FAILURES must not be negative" in err
