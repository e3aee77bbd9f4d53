"""AWS sessions for the collector: credentials, the account and identity scanned, regions,
retrying clients (one per service and region, created once), and a record of every API call.

Credentials come from the standard chain, ``--profile``, or ``--role-arn`` (+ ``--external-id``)
assumed through STS. ``AWS_ENDPOINT_URL`` is honoured by boto3 itself (tests point it at moto).
Nothing here logs credentials: only the caller ARN and account id.

Retries and timeouts default to :class:`RetryPolicy`; the environment may override them (tests
and slow links use this; botocore's own ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE`` would be shadowed
by the explicit client config): ``PACSCAN_AWS_RETRY_MODE`` (standard/adaptive),
``PACSCAN_AWS_MAX_ATTEMPTS`` (retries after the first try), ``PACSCAN_AWS_CONNECT_TIMEOUT`` and
``PACSCAN_AWS_READ_TIMEOUT`` (seconds).

Every client is under one circuit breaker per region (:mod:`scanner.collectors.aws.breaker`): once
an endpoint stops answering, the remaining requests to it fail at once with the one reason. An
endpoint that does not answer the very first request (the caller identity) is
:class:`~scanner.collectors.base.CollectorUnreachableError`: nothing was read (exit 3).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scanner.collectors import reader
from scanner.collectors.aws.errors import api_errors, is_not_configured, reason
from scanner.collectors.base import CollectorError, CollectorUnreachableError
from scanner.collectors.breaker import BreakerPolicy, CircuitBreaker
from scanner.engine.plan import ReadPlan
from scanner.errors import InputError

log = logging.getLogger("pacscan.aws")
#: the resource kind the calls of this thread (or task) are made for; see :func:`for_kind`
_KIND: ContextVar[str | None] = ContextVar("pacscan_aws_kind", default=None)


@contextmanager
def for_kind(kind: str) -> Iterator[None]:
    """Calls made inside (and in tasks submitted inside, by a context-copying executor) count for ``kind``."""
    token = _KIND.set(kind)
    try:
        yield
    finally:
        _KIND.reset(token)


def _strip_account_prefix(request: Any = None, **_: Any) -> None:
    parts = urlsplit(request.url)
    label, _dot, rest = parts.netloc.partition(".")
    if len(label) == 12 and label.isdigit() and rest:  # an account id, never an IP octet
        request.url = urlunsplit(parts._replace(netloc=rest))


class ScanCancelledError(CollectorError):
    """Raised in worker threads by calls attempted after :meth:`AwsSession.cancel`; never caught as an
    API error, so the worker stops at its next call."""


@dataclass(frozen=True)
class AwsTarget:
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    regions: tuple[str, ...] = ()  # empty: every enabled region
    session_name: str = "pacscan"
    label: str = ""  # a tenant name, for messages


@dataclass(frozen=True)
class RetryPolicy:
    mode: str = "adaptive"  # botocore "standard" or "adaptive"
    max_attempts: int = 6  # botocore's `max_attempts`: retries after the first try
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_pool_connections: int = 32

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """The defaults, overridden by the ``PACSCAN_AWS_*`` variables that are set."""
        env = os.environ if environ is None else environ
        base = cls()
        mode = env.get("PACSCAN_AWS_RETRY_MODE", base.mode)
        if mode not in ("standard", "adaptive"):
            raise InputError(f"PACSCAN_AWS_RETRY_MODE must be standard or adaptive, not {mode!r}")
        return cls(mode=mode, max_attempts=int(_number(env, "PACSCAN_AWS_MAX_ATTEMPTS", base.max_attempts, 0)),
                   connect_timeout=_number(env, "PACSCAN_AWS_CONNECT_TIMEOUT", base.connect_timeout, 0.001),
                   read_timeout=_number(env, "PACSCAN_AWS_READ_TIMEOUT", base.read_timeout, 0.001),
                   max_pool_connections=base.max_pool_connections)


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text) if isinstance(default, int) else float(text)
    except ValueError:
        raise InputError(f"{name} must be a number, not {text!r}") from None
    if value < minimum:
        raise InputError(f"{name} must be at least {minimum}, not {text!r}")
    return value


class AwsSession:
    """One scanned account. Thread-safe after construction (clients are created under a lock)."""

    def __init__(self, target: AwsTarget, retry: RetryPolicy | None = None,
                 on_call: Callable[[str, str], None] | None = None, breaker: BreakerPolicy | None = None) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self.target = target
        self.breaker = CircuitBreaker(breaker or BreakerPolicy.from_env())
        self.calls: Counter[str] = Counter()
        #: the same calls per resource kind they were made for (:func:`for_kind`)
        self.calls_by_kind: dict[str, Counter[str]] = {}
        #: what the scan reads (set by AwsCollector from the rules in scope; everything by default)
        self.plan = ReadPlan.read_everything()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._on_call = on_call
        self._cancelled = threading.Event()
        policy = retry or RetryPolicy.from_env()
        self._config = Config(retries={"mode": policy.mode, "max_attempts": policy.max_attempts},
                              connect_timeout=policy.connect_timeout, read_timeout=policy.read_timeout,
                              max_pool_connections=policy.max_pool_connections)
        try:
            base = boto3.Session(profile_name=target.profile) if target.profile else boto3.Session()
            self._register(base)
            self.session = self._assume(base) if target.role_arn else base
            identity = self.client("sts", self._home_region()).get_caller_identity()
        except (BotoCoreError, ClientError) as err:
            who = f" ({target.label})" if target.label else ""
            raise _startup_error(err, f"AWS{who}: cannot authenticate") from None
        self.account: str = identity["Account"]
        self.identity: str = identity["Arn"]

    def _home_region(self) -> str:
        return self.target.regions[0] if self.target.regions else "us-east-1"

    def _register(self, session: Any) -> None:
        session.events.register("before-call.*.*", self._count)
        if os.environ.get("AWS_ENDPOINT_URL"):
            # a custom endpoint (an emulator, a proxy): s3control's `{AccountId}.` host prefix
            # would not resolve on it
            session.events.register("before-sign.s3-control.*", _strip_account_prefix)

    def cancel(self) -> None:
        """Stop the scan (Ctrl-C): every API call not yet sent raises instead of going out."""
        self._cancelled.set()

    def _count(self, model: Any = None, **_: Any) -> None:
        if self._cancelled.is_set():
            raise ScanCancelledError("AWS scan cancelled")
        if model is None:
            return
        service = model.service_model.signing_name or model.service_model.endpoint_prefix
        key = f"{service}:{model.name}"
        kind = _KIND.get()
        with self._lock:
            self.calls[key] += 1
            if kind is not None:
                self.calls_by_kind.setdefault(kind, Counter())[key] += 1
        if self._on_call is not None:
            self._on_call(service, model.name)

    def _assume(self, base: Any) -> Any:
        import boto3

        sts = base.client("sts", region_name=self._home_region(), config=self._config)
        kwargs: dict[str, Any] = {"RoleArn": self.target.role_arn, "RoleSessionName": self.target.session_name}
        if self.target.external_id:
            kwargs["ExternalId"] = self.target.external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        assumed = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"])
        self._register(assumed)
        return assumed

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                session = getattr(self, "session", None)
                if session is None:  # during __init__, before the assumed session exists
                    raise RuntimeError("AwsSession.client used before the session exists")
                from scanner.collectors.aws.breaker import watch

                client = session.client(service, region_name=region or self._home_region(), config=self._config)
                watch(client, client.meta.region_name, self.breaker)
                self._clients[key] = client
            return self._clients[key]

    def regions(self) -> tuple[str, ...]:
        """The regions to scan: --region values, else every region enabled for the account."""
        if self.target.regions:
            return self.target.regions
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.client("ec2", self._home_region()).describe_regions(AllRegions=False)["Regions"]
        except (BotoCoreError, ClientError) as err:
            raise _startup_error(err, f"AWS account {self.account}: cannot list enabled regions",
                                 " (pass --region to name them)") from None
        return tuple(sorted(r["RegionName"] for r in found))


def _startup_error(err: Exception, what: str, hint: str = "") -> CollectorError:
    """Why the scan cannot start: an endpoint that does not answer (exit 3), else credentials or
    permissions (exit 2)."""
    from scanner.collectors.aws.breaker import TRANSPORT_ERRORS, EndpointStoppedError

    if isinstance(err, (*TRANSPORT_ERRORS, EndpointStoppedError)):
        return CollectorUnreachableError(f"{what}: endpoint unreachable: {reason(err)}{hint}")
    return CollectorError(f"{what}: {reason(err)}{hint}")


class FactReader(reader.FactReader):
    """Collects one AWS resource's facts: a value, None for "not configured", or an error reason."""

    call_errors = reader.CallErrors(api_errors, is_not_configured, reason)
