"""Telling "not configured" (evidence) from "could not read" (an error finding) on Azure."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError

#: ARM error codes that mean the setting simply is not configured: the fact is None.
NOT_CONFIGURED = frozenset({
    "ManagementPolicyNotFound",
})


def error_code(err: BaseException) -> str | None:
    error: Any = getattr(err, "error", None)
    code = getattr(error, "code", None)
    return str(code) if code else None


def status(err: BaseException) -> int | None:
    value = getattr(err, "status_code", None)
    return int(value) if isinstance(value, int) else None


def is_not_configured(err: BaseException) -> bool:
    return error_code(err) in NOT_CONFIGURED


def reason(err: BaseException) -> str:
    """One line for the evidence: ARM code, HTTP status and message; never a token."""
    if isinstance(err, HttpResponseError):
        code = error_code(err) or getattr(err, "reason", None) or "HttpResponseError"
        error: Any = getattr(err, "error", None)
        message = str(getattr(error, "message", None) or "").strip()
        where = f" (HTTP {status(err)})" if status(err) else ""
        text = f"{code}{where}: {message}" if message else f"{code}{where}"
    elif isinstance(err, AzureError):
        text = f"{type(err).__name__}: {err.message}"
    else:
        text = f"{type(err).__name__}: {err}"
    return " ".join(text.split())
