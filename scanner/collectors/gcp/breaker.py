"""The GCP side of the circuit breaker (:mod:`scanner.collectors.breaker`), keyed by project and API
(``pacs-prod:storage``): every call goes through :meth:`GcpSession.call`, whose API the breaker
reads from the operation name, and every retry attempt through the session's ``Retry`` predicate.

A call to an API whose breaker is open raises :class:`EndpointStoppedError` before anything is sent
(a ``GoogleAPIError``, so the fact readers record it as any failed call, with the breaker's reason).
A transport failure (``requests`` connection errors and timeouts, google-auth's ``TransportError``)
counts against the API on every attempt, and once the breaker is open the retry predicate says no
more, so a call in its backoff stops at its next attempt instead of spending the retry deadline.
"""

from __future__ import annotations

from google.api_core.exceptions import GoogleAPIError

__all__ = ["EndpointStoppedError", "is_transport"]


class EndpointStoppedError(GoogleAPIError):
    """Not sent: the circuit breaker of the call's project and API is open."""


def is_transport(err: BaseException) -> bool:
    """No answer came back: refused, reset, timed out, unresolvable (also inside a RetryError)."""
    import requests
    from google.api_core.exceptions import RetryError
    from google.auth.exceptions import TransportError

    if isinstance(err, RetryError) and err.cause is not None:
        err = err.cause
    return isinstance(err, requests.ConnectionError | requests.Timeout | TransportError)
