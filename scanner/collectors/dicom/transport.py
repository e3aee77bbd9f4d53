"""Connections to one DICOM endpoint: TCP, TLS, and the first association exchange over either.

Every step has the same short timeout. A failure is a reason in words ("connection refused",
"timed out after 3 s"), never an exception text a peer could have shaped. Certificates are not
verified: the probe asks what the endpoint offers, it does not trust it with anything.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from scanner.collectors.dicom.pdu import ABORT, Answer, associate_rq, classify

#: TLS versions in ascending order, as the evidence names them
TLS_VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("1.0", ssl.TLSVersion.TLSv1),
    ("1.1", ssl.TLSVersion.TLSv1_1),
    ("1.2", ssl.TLSVersion.TLSv1_2),
    ("1.3", ssl.TLSVersion.TLSv1_3),
)


class Unreachable(Exception):
    """The endpoint could not be reached at all; ``str(err)`` is the reason for the evidence."""


class TlsUnavailable(Exception):
    """This machine cannot offer the TLS version asked for (its OpenSSL refuses it)."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def label(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def connect(endpoint: Endpoint, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
    except ConnectionRefusedError:
        raise Unreachable("connection refused") from None
    except TimeoutError:
        raise Unreachable(f"timed out after {seconds(timeout)} (no TCP connection)") from None
    except socket.gaierror:
        raise Unreachable("host name does not resolve") from None
    except OSError as err:
        raise Unreachable(f"cannot connect ({type(err).__name__}, errno {err.errno})") from None


def client_context(version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """A client context that verifies nothing; pinned to ``version`` when given (legacy versions
    need OpenSSL's security level 0 to be offered at all)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if version is not None:
        try:
            if version < ssl.TLSVersion.TLSv1_2:
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = version
            context.maximum_version = version
        except (ValueError, ssl.SSLError) as err:
            raise TlsUnavailable(type(err).__name__) from None
    return context


def tls_version_name(text: str | None) -> str | None:
    """``"TLSv1.3"`` -> ``"1.3"``."""
    if text is None or not text.startswith("TLSv"):
        return None
    return text.removeprefix("TLSv")


def handshake(endpoint: Endpoint, timeout: float, context: ssl.SSLContext) -> ssl.SSLSocket | None:
    """A TLS connection, or None when the endpoint does not complete a handshake (it closed, sent
    something that is not TLS, or refused the version). Raises Unreachable when TCP fails or the
    handshake times out, TlsUnavailable when this side cannot offer the version."""
    raw = connect(endpoint, timeout)
    try:
        tls = context.wrap_socket(raw, server_hostname=endpoint.host if not _is_address(endpoint.host) else None)
    except TimeoutError:
        raw.close()
        raise Unreachable(f"timed out after {seconds(timeout)} (no TLS handshake)") from None
    except ssl.SSLError as err:
        raw.close()
        if err.reason in ("NO_PROTOCOLS_AVAILABLE", "UNSUPPORTED_PROTOCOL") and "alert" not in str(err).lower():
            raise TlsUnavailable(err.reason) from None
        return None
    except OSError:
        raw.close()
        return None
    return tls


def _is_address(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def exchange(sock: socket.socket, called: str, calling: str) -> Answer:
    """Send one A-ASSOCIATE-RQ, classify the answer by its PDU header, abort, close."""
    try:
        sock.sendall(associate_rq(called, calling))
        header = b""
        while len(header) < 6:
            chunk = sock.recv(6 - len(header))
            if not chunk:
                break
            header += chunk
        answer = classify(header)
        if answer is Answer.ACCEPTED:
            sock.sendall(ABORT)
        return answer
    except TimeoutError:
        return Answer.SILENT
    except (ConnectionError, ssl.SSLError, OSError):
        return Answer.CLOSED
    finally:
        sock.close()
