"""Telling "not configured" (evidence) from "could not read" (an error finding) on AWS."""

from __future__ import annotations

from typing import Any

#: Error codes that mean the setting simply is not configured: the fact is None.
NOT_CONFIGURED = frozenset({
    "NoSuchBucketPolicy",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchLifecycleConfiguration",
    "ObjectLockConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "ReplicationConfigurationNotFoundError",
    "NoSuchTagSet",
    "NoSuchTagSetError",
    "NoSuchConfiguration",
    "TrailNotFoundException",
})


def error_code(err: BaseException) -> str | None:
    response: Any = getattr(err, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def is_not_configured(err: BaseException) -> bool:
    return error_code(err) in NOT_CONFIGURED


def reason(err: BaseException) -> str:
    """One line for the evidence: code and message, never credentials."""
    return " ".join(_reason(err).split())


def _reason(err: BaseException) -> str:
    code = error_code(err)
    if code is not None:
        response: Any = getattr(err, "response", {})
        message = str(response.get("Error", {}).get("Message") or "").strip()
        operation = getattr(err, "operation_name", None)
        where = f" ({operation})" if operation else ""
        return f"{code}{where}: {message}" if message else f"{code}{where}"
    return f"{type(err).__name__}: {err}"


def api_errors() -> tuple[type[Exception], ...]:
    """What a failed AWS call raises: a service error, a transport error, or a response botocore
    could not parse (``ResponseParserError`` is not a ``BotoCoreError``)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    return BotoCoreError, ClientError, ResponseParserError
