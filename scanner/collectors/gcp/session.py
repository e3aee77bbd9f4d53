"""One scanned GCP project: its credentials, one client per API (created once, REST transport), the
retry policy applied to every call, and a record of every API operation performed.

Endpoints can be pointed elsewhere (``GcpEndpoints``): the tests point Cloud Storage at
gcp-storage-emulator and Compute Engine, Cloud KMS, Resource Manager and the Cloud Healthcare API at
local HTTPS servers.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scanner.collectors.gcp.errors import api_errors, is_transient, reason

T = TypeVar("T")


@dataclass(frozen=True)
class GcpEndpoints:
    """API endpoints (``https://host:port``); None is Google's public endpoint."""

    storage: str | None = None
    compute: str | None = None
    kms: str | None = None
    resourcemanager: str | None = None
    healthcare: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for throttling (429, 403 rate limits) and 5xx, per call."""

    initial: float = 1.0
    maximum: float = 32.0
    multiplier: float = 2.0
    deadline: float = 120.0  # total seconds before giving up: the fact becomes an error
    timeout: float = 60.0  # per request


class GcpSession:
    """One project. Thread-safe: clients are created under a lock and calls are counted under it."""

    def __init__(self, project: str, credentials: Any, identity: str, endpoints: GcpEndpoints,
                 retry: RetryPolicy, on_call: Callable[[str], None] | None = None) -> None:
        from google.api_core.retry import Retry

        self.project = project
        self.identity = identity
        self.calls: Counter[str] = Counter()
        self._credentials = credentials
        self._endpoints = endpoints
        self._policy = retry
        self._on_call = on_call
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self.retry = Retry(predicate=is_transient, initial=retry.initial, maximum=retry.maximum,
                           multiplier=retry.multiplier, timeout=retry.deadline)

    @property
    def endpoints(self) -> GcpEndpoints:
        return self._endpoints

    @property
    def timeout(self) -> float:
        return self._policy.timeout

    def call(self, operation: str, fn: Callable[[], T]) -> T:
        """Record ``operation`` ("service:method", a key of credentials.PERMISSIONS) and run ``fn``."""
        with self._lock:
            self.calls[operation] += 1
        if self._on_call is not None:
            self._on_call(operation)
        return fn()

    def client(self, name: str) -> Any:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = _FACTORIES[name](self._credentials, self._endpoints, self.project)
            return self._clients[name]


def _options(endpoint: str | None) -> Any:
    from google.api_core.client_options import ClientOptions

    return ClientOptions(api_endpoint=endpoint) if endpoint else None


def _storage(credentials: Any, endpoints: GcpEndpoints, project: str) -> Any:
    from google.cloud.storage import Client  # type: ignore[import-untyped]

    options = {"api_endpoint": endpoints.storage} if endpoints.storage else None
    client = Client(project=project, credentials=credentials, client_options=options)
    # google-cloud-storage >= 3.x fetches bucket metadata (buckets.get) in background threads to label
    # its traces: calls the collector never asked for, needing a permission it does not document.
    # Without the cache the SDK makes none (tests/gcp/test_least_privilege.py checks the wire).
    client._bucket_metadata_cache = None
    return client


def _compute(kind: str) -> Callable[[Any, GcpEndpoints, str], Any]:
    def make(credentials: Any, endpoints: GcpEndpoints, _project: str) -> Any:
        from google.cloud import compute_v1

        cls = getattr(compute_v1, kind)
        return cls(credentials=credentials, transport="rest", client_options=_options(endpoints.compute))

    return make


def _kms(credentials: Any, endpoints: GcpEndpoints, _project: str) -> Any:
    from google.cloud import kms_v1

    return kms_v1.KeyManagementServiceClient(credentials=credentials, transport="rest",
                                             client_options=_options(endpoints.kms))


def _projects(credentials: Any, endpoints: GcpEndpoints, _project: str) -> Any:
    from google.cloud import resourcemanager_v3

    return resourcemanager_v3.ProjectsClient(credentials=credentials, transport="rest",
                                             client_options=_options(endpoints.resourcemanager))


def _healthcare(credentials: Any, _endpoints: GcpEndpoints, _project: str) -> Any:
    """The Cloud Healthcare API has no client library: an authorized ``requests`` session (the REST
    calls are in healthcare.py; its base URL is ``endpoints.healthcare``)."""
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]


_FACTORIES: dict[str, Callable[[Any, GcpEndpoints, str], Any]] = {
    "storage": _storage,
    "firewalls": _compute("FirewallsClient"),
    "ssl_policies": _compute("SslPoliciesClient"),
    "subnetworks": _compute("SubnetworksClient"),
    "target_https_proxies": _compute("TargetHttpsProxiesClient"),
    "target_ssl_proxies": _compute("TargetSslProxiesClient"),
    "resource_policies": _compute("ResourcePoliciesClient"),
    "kms": _kms,
    "projects": _projects,
    "healthcare": _healthcare,
}


@dataclass
class FactReader:
    """One resource's facts: a value, None for "not configured", or the reason it could not be read."""

    facts: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def read(self, keys: tuple[str, ...], call: Callable[[], dict[str, Any]]) -> None:
        """Run ``call`` (which returns values for ``keys``); on failure every key gets the reason."""
        try:
            values = call()
        except api_errors() as err:
            for key in keys:
                self.errors[key] = reason(err)
            return
        for key in keys:
            self.facts[key] = values.get(key)
