"""The AWS side of the circuit breaker (:mod:`scanner.collectors.breaker`): botocore events on
every client of one account, keyed by the client's region.

``before-send`` refuses a request whose region's breaker is open by raising
:class:`EndpointStoppedError` (a ``BotoCoreError`` botocore does not retry, which the fact readers
catch as any failed call: the fact becomes an error with the breaker's reason); ``response-received``
counts a transport failure (botocore's ``ConnectionError``/``HTTPClientError``: refused, reset,
closed, connect and read timeouts) against the region, and any answer as the endpoint being alive.
Each attempt counts, retries included, so a dead endpoint opens the breaker within its first
requests instead of after every call has spent its retries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, HTTPClientError
from botocore.exceptions import ConnectionError as TransportError

from scanner.collectors.breaker import CircuitBreaker

__all__ = ["TRANSPORT_ERRORS", "EndpointStoppedError", "watch"]

#: what a request that never got an answer raises
TRANSPORT_ERRORS = (TransportError, HTTPClientError)


class EndpointStoppedError(BotoCoreError):  # type: ignore[misc]
    """Not sent: the circuit breaker of the request's account region is open."""

    fmt = "{reason}"


def watch(client: Any, region: str, breaker: CircuitBreaker) -> None:
    """Put ``client`` (of one account, in ``region``) under ``breaker``."""
    endpoint = f"AWS {region} endpoint {urlsplit(client.meta.endpoint_url).netloc or client.meta.endpoint_url}"

    def before_send(**_: Any) -> None:
        why = breaker.blocked(region)
        if why is not None:
            raise EndpointStoppedError(reason=why)

    def received(exception: BaseException | None = None, response_dict: Any = None, **_: Any) -> None:
        if isinstance(exception, TRANSPORT_ERRORS):
            breaker.failed(region, endpoint, type(exception).__name__)
        elif exception is None and response_dict is not None:
            breaker.answered(region)

    client.meta.events.register("before-send", before_send)
    client.meta.events.register("response-received", received)
