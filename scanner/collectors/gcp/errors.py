"""Telling "could not read" apart on GCP: permission denied, throttled, API disabled.

Every failure of a Google API call is reported, never swallowed: the reason string names the HTTP
status, the Google error reason (``SERVICE_DISABLED``, ``accessNotConfigured``, ``rateLimitExceeded``)
and the message, never credentials. ``404`` on a resource that was just listed is still an error
(it vanished or the caller cannot see it): "not configured" on GCP is an absent field, not an error.
"""

from __future__ import annotations

from typing import Any

#: Google error reasons meaning the API is disabled for the project (a whole resource type is unread).
DISABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured", "API_DISABLED"})
#: Error reasons on a 403 that are really throttling and worth retrying.
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})


def api_errors() -> tuple[type[BaseException], ...]:
    """Every exception a Google client call raises for a failed request (imported lazily)."""
    import requests
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return (GoogleAPIError, GoogleAuthError, requests.RequestException)


def _reasons(err: BaseException) -> set[str]:
    found: set[str] = set()
    single = getattr(err, "reason", None)
    if isinstance(single, str) and single:
        found.add(single)
    for item in getattr(err, "errors", None) or ():
        if isinstance(item, dict) and item.get("reason"):
            found.add(str(item["reason"]))
    return found


def is_disabled(err: BaseException) -> bool:
    """A 403 saying the API is not enabled for the project."""
    cause = _cause(err)
    return getattr(cause, "code", None) == 403 and bool(_reasons(cause) & DISABLED_REASONS)


def is_transient(err: BaseException) -> bool:
    """Worth retrying: 429, 5xx, a 403 rate limit, a dropped connection."""
    import requests
    from google.api_core import exceptions as gex

    if isinstance(err, gex.TooManyRequests | gex.InternalServerError | gex.BadGateway | gex.ServiceUnavailable
                  | gex.GatewayTimeout):
        return True
    if isinstance(err, gex.Forbidden) and _reasons(err) & RATE_REASONS:
        return True
    return isinstance(err, requests.ConnectionError | requests.Timeout)


def _cause(err: BaseException) -> BaseException:
    from google.api_core.exceptions import RetryError

    cause: BaseException | None = err.cause if isinstance(err, RetryError) else None
    return cause if cause is not None else err


def reason(err: BaseException) -> str:
    """One line for the evidence: status, Google reason and message (retries exhausted says so)."""
    from google.api_core.exceptions import GoogleAPICallError, RetryError

    prefix = ""
    if isinstance(err, RetryError):
        prefix = "retries exhausted: "
        if err.cause is None:
            return f"{prefix}{_first_line(str(err))}"
        err = err.cause
    if isinstance(err, GoogleAPICallError):
        code: Any = err.code
        reasons = ",".join(sorted(_reasons(err)))
        label = f"HTTP {int(code)}" if code is not None else type(err).__name__
        detail = f" {reasons}" if reasons else ""
        return f"{prefix}{label}{detail}: {_first_line(err.message or '')}"
    return f"{prefix}{type(err).__name__}: {_first_line(str(err))}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]
