"""Endpoint arguments: ``HOST``, ``HOST:PORT``, ``[IPv6]:PORT`` (bare IPv6 addresses take the
default port). Only what the user names is ever contacted."""

from __future__ import annotations

import re

from scanner.collectors.dicom.transport import Endpoint
from scanner.errors import TargetError

#: the DICOM well-known port (PS3.15 says 104 for DICOM, 2762 for DICOM TLS, 11112 registered)
DEFAULT_PORT = 104
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


def parse_endpoint(text: str) -> Endpoint:
    """``HOST[:PORT]`` -> Endpoint; a one-line TargetError for anything else."""
    host, port_text = text.strip(), ""
    if host.startswith("["):
        inner, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise TargetError(f"{text!r}: not HOST[:PORT] (IPv6 as [ADDRESS]:PORT)")
        host, port_text = inner, rest[1:]
        if ":" not in host:
            raise TargetError(f"{text!r}: brackets are for IPv6 addresses")
    elif host.count(":") == 1:
        host, _, port_text = host.partition(":")
    elif host.count(":") > 1 and not _is_ipv6(host):
        raise TargetError(f"{text!r}: not HOST[:PORT]")
    if not host or (":" not in host and not _HOST.fullmatch(host)):
        raise TargetError(f"{text!r}: not a host name or address")
    if ":" in host and not _is_ipv6(host):
        raise TargetError(f"{text!r}: not an IPv6 address")
    port = DEFAULT_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise TargetError(f"{text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return Endpoint(host, port)


def _is_ipv6(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True
