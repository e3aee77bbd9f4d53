"""The Azure side of the circuit breaker (:mod:`scanner.collectors.breaker`), keyed by the Resource
Manager endpoint every client of one scan talks to.

:class:`Watch` runs on every attempt (after azure-core's retry policy): it refuses a request while
the breaker is open (:class:`EndpointStoppedError`, an ``AzureError``, which the fact readers record
as any failed call, with the breaker's reason), counts a transport failure (``ServiceRequestError``:
refused, reset, connect timeout; ``ServiceResponseError``: no complete answer, read timeout), and
takes any answer as the endpoint being alive. :class:`BreakerRetryPolicy` is azure-core's retry
policy, except that nothing is retried once the breaker is open, so a request in its backoff stops
at once instead of spending its remaining retries.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, RetryPolicy

from scanner.collectors.breaker import CircuitBreaker

__all__ = ["BreakerRetryPolicy", "EndpointStoppedError", "Watch"]


class EndpointStoppedError(AzureError):
    """Not sent: the circuit breaker of the Resource Manager endpoint is open."""


class Watch(HTTPPolicy):  # type: ignore[type-arg]
    def __init__(self, breaker: CircuitBreaker, key: str) -> None:
        super().__init__()
        self._breaker = breaker
        self._key = key

    def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        why = self._breaker.blocked(self._key)
        if why is not None:
            raise EndpointStoppedError(why)
        try:
            response = self.next.send(request)
        except (ServiceRequestError, ServiceResponseError) as err:
            self._breaker.failed(self._key, f"Azure Resource Manager endpoint {self._key}", type(err).__name__)
            raise
        self._breaker.answered(self._key)
        return response


class BreakerRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
    def __init__(self, breaker: CircuitBreaker, key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._breaker = breaker
        self._key = key

    def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
        if isinstance(error, EndpointStoppedError) or self._breaker.is_open(self._key):
            return False
        return bool(super().increment(settings, response=response, error=error))
