"""Encoding and hashing functions: jsonencode, jsondecode, base64encode, base64decode, urlencode, md5, sha1, sha256,
sha512, base64sha256, base64sha512, uuidv5."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from scanner.facts.values import Unknown, first_unknown

from .functions_base import Call, Param, Spec, UnknownResult, from_dec, give_up, num_text, unknown_from
from .functions_types import STRING

__all__ = ["FUNCTIONS", "json_text"]

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_GO_ESCAPED = re.compile("[<>&\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_string(text: str) -> str:
    """A string as Go's ``encoding/json`` writes it (HTML characters and line separators escaped)."""
    encoded = json.dumps(_SURROGATE.sub("\ufffd", text), ensure_ascii=False)
    return _GO_ESCAPED.sub(lambda m: _GO_ESCAPES[m[0]], encoded)


def json_text(value: Any) -> str:
    """``value`` (wholly known) as Terraform's compact JSON: object keys sorted, numbers without exponent."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise ValueError("cannot serialize infinity as JSON")
        return num_text(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return "{" + ",".join(f"{_json_string(k)}:{json_text(value[k])}" for k in sorted(value)) + "}"


def _jsonencode(call: Call, value: Any) -> str:
    """``jsonencode(value)``: compact JSON, object keys sorted, ``< > &`` escaped as ``\\u003c \\u003e \\u0026``.
    When any part is unknown the result is unknown and carries ``value`` as its ``partial`` (what decoding the
    document would give), so ``jsondecode(jsonencode(x))`` keeps the known parts of ``x``."""
    unknown = first_unknown(value)
    if unknown is not None:
        what = "argument 1" if unknown is value else "part of argument 1"
        raise UnknownResult(unknown_from(unknown, f"jsonencode: {what} is unknown", partial=value))
    try:
        return json_text(value)
    except ValueError as exc:
        raise call.error(str(exc)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON literal {name}")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate {key!r} property in JSON object")
        out[key] = value
    return out


def decode_json(text: str) -> Any:
    """A JSON document as Terraform reads it (duplicate keys and NaN/Infinity rejected, numbers exact)."""
    return json.loads(text, parse_float=lambda t: from_dec(Decimal(t)), parse_int=lambda t: from_dec(Decimal(t)),
                      parse_constant=_reject_constant, object_pairs_hook=_object)


def _jsondecode(call: Call, text: Any) -> Any:
    """``jsondecode(str)``: the value the JSON document describes. An unknown document that carries a ``partial``
    value (the result of ``jsonencode`` of a partly unknown value) decodes to that value; otherwise unknown."""
    if isinstance(text, Unknown):
        if text.partial is not None:
            return text.partial
        give_up(text, "jsondecode: argument 1 is unknown")
    try:
        return decode_json(text)
    except ValueError as exc:
        raise call.error(f"invalid JSON: {exc}") from None


def _base64decode(call: Call, text: Any) -> str:
    """``base64decode(str)``: the UTF-8 text encoded in standard Base64 (padding required, newlines ignored)."""
    try:
        raw = base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise call.error("failed to decode base64 data") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise call.error("the result of decoding the provided string is not valid UTF-8") from None


_NAMESPACES = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
               "x500": uuid.NAMESPACE_X500}


def _uuidv5(call: Call, namespace: str, name: str) -> str:
    """``uuidv5(namespace, name)``: the name-based (SHA-1) UUID; ``namespace`` is dns, url, oid, x500 or a UUID."""
    space = _NAMESPACES.get(namespace)
    if space is None:
        try:
            space = uuid.UUID(namespace)
        except ValueError:
            raise call.error(f"uuidv5() doesn't support namespace {namespace}") from None
    return str(uuid.uuid5(space, name))


def _digest(algorithm: str, as_base64: bool) -> Callable[[Call, str], str]:
    def impl(call: Call, text: str) -> str:
        digest = hashlib.new(algorithm, text.encode("utf-8"))
        return base64.b64encode(digest.digest()).decode() if as_base64 else digest.hexdigest()

    impl.__doc__ = f"The {algorithm} digest of the string's UTF-8 bytes, {'Base64' if as_base64 else 'hex'} encoded."
    return impl


def _simple(fn: Callable[[str], str], doc: str) -> Callable[[Call, str], str]:
    def impl(call: Call, text: str) -> str:
        return fn(text)

    impl.__doc__ = doc
    return impl


S = Param(STRING)
FUNCTIONS: dict[str, Spec] = {
    "jsonencode": Spec(_jsonencode, (Param(null=True, unknown=True),)),
    "jsondecode": Spec(_jsondecode, (Param(STRING, unknown=True),)),
    "base64decode": Spec(_base64decode, (S,)),
    "base64encode": Spec(_simple(lambda s: base64.b64encode(s.encode()).decode(), "``base64encode(str)``: the "
                                 "UTF-8 bytes in standard Base64."), (S,)),
    "urlencode": Spec(_simple(lambda s: quote_plus(s, safe=""), "``urlencode(str)``: query-string escaping "
                              "(Go's ``url.QueryEscape``)."), (S,)),
    "uuidv5": Spec(_uuidv5, (S, S)),
    **{name: Spec(_digest(algorithm, name.startswith("base64")), (S,)) for name, algorithm in (
        ("md5", "md5"), ("sha1", "sha1"), ("sha256", "sha256"), ("sha512", "sha512"),
        ("base64sha256", "sha256"), ("base64sha512", "sha512"))},
}
