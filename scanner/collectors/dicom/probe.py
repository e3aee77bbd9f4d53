"""The DICOM endpoint probe: each endpoint the user named -> one ``dicom.endpoint`` resource.

Per endpoint, every step bounded by the same timeout:

1. TCP connect: refused, silent or unresolvable -> every fact is an error with that reason.
2. A plain A-ASSOCIATE-RQ with the configured AE titles (``pdu``): accepted, rejected, aborted
   (DICOM), or not DICOM / closed / silent.
3. A TLS handshake on the same port, then the same request over it; the negotiated version, and
   the lowest version the endpoint accepts (one pinned handshake per version, ascending).
4. A request from random, unknown AE titles over whichever transport spoke DICOM.
5. When the unknown titles are accepted: C-ECHO and a patient-level C-FIND over that association,
   counted, never read (``services``): what an anonymous peer gets. The configured titles only
   tell whether a clear-text association is accepted.

A port that answers but not in DICOM has ``speaks_dicom`` false (its rules are not_applicable); a
port that accepts TCP and stays silent is an error ("timed out after N s"), never a pass.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanner.collectors.base import Progress
from scanner.collectors.dicom.pdu import Answer
from scanner.collectors.dicom.services import query, quiet_libraries
from scanner.collectors.dicom.transport import (
    TLS_VERSIONS,
    Endpoint,
    TlsUnavailable,
    Unreachable,
    client_context,
    connect,
    exchange,
    handshake,
    seconds,
    tls_version_name,
)
from scanner.facts.resource import Inventory, Resource
from scanner.facts.values import Unknown

if TYPE_CHECKING:
    from scanner.engine.plan import ReadPlan

log = logging.getLogger("pacscan.dicom")

KIND = "dicom.endpoint"
SOURCE = "dicom-probe"
#: every fact of the kind (rules/facts/dicom.yaml declares the same keys)
FACT_KEYS = ("speaks_dicom", "plain_dicom_answered", "plain_association_accepted", "tls_offered", "tls_required",
             "tls_version", "tls_lowest_version", "unknown_ae_accepted", "echo_succeeded",
             "find_succeeded", "find_result_count", "find_result_count_capped")
_SERVICE_KEYS = ("echo_succeeded", "find_succeeded", "find_result_count", "find_result_count_capped")


@dataclass(frozen=True)
class ProbeOptions:
    timeout: float = 3.0
    concurrency: int = 8
    calling_ae: str = "PACSCAN"
    called_ae: str = "ANY-SCP"
    max_results: int = 25


class DicomProbe:
    """The collector of ``pacscan probe dicom``: only the endpoints given are contacted."""

    provider = "dicom"

    def __init__(self, endpoints: Sequence[Endpoint], options: ProbeOptions | None = None) -> None:
        self.endpoints = tuple(dict.fromkeys(endpoints))
        self.options = options or ProbeOptions()

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        del plan  # every fact it reads, its rules read
        found: dict[Endpoint, Resource] = {}
        workers = max(1, min(self.options.concurrency, len(self.endpoints)))
        with quiet_libraries(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pacscan-dicom") as pool:
            futures = {pool.submit(probe_endpoint, e, self.options): e for e in self.endpoints}
            for done, future in enumerate(as_completed(futures), start=1):
                endpoint = futures[future]
                found[endpoint] = future.result()
                if progress is not None:
                    progress(f"DICOM probe: {endpoint.label} done ({done}/{len(self.endpoints)})")
        return Inventory(resources=tuple(found[e] for e in self.endpoints), inputs=(SOURCE,))


def _resource(endpoint: Endpoint, facts: dict[str, Any], errors: dict[str, str] | None = None) -> Resource:
    log.debug("dicom %s: %s", endpoint.label, "unreachable" if errors else "probed")
    return Resource(provider="dicom", type=KIND, id=f"dicom://{endpoint.label}", name=endpoint.label,
                    facts=facts, errors=errors or {}, source=SOURCE, native_type="DICOM endpoint",
                    )


def _random_title() -> str:
    return "PCS" + secrets.token_hex(6).upper()


def probe_endpoint(endpoint: Endpoint, options: ProbeOptions) -> Resource:
    timeout = options.timeout
    try:
        plain = exchange(connect(endpoint, timeout), options.called_ae, options.calling_ae)
    except Unreachable as err:
        return _resource(endpoint, {}, {key: str(err) for key in FACT_KEYS})
    tls_answer, version = _over_tls(endpoint, options)
    if not plain.is_dicom and not (tls_answer is not None and tls_answer.is_dicom):
        if plain is Answer.SILENT and tls_answer in (None, Answer.SILENT):
            why = f"timed out after {seconds(timeout)} (connected, but no answer to a DICOM association request)"
            return _resource(endpoint, {}, {key: why for key in FACT_KEYS})
        return _resource(endpoint, {**dict.fromkeys(FACT_KEYS), "speaks_dicom": False,
                                    "plain_dicom_answered": False, "tls_offered": False})
    facts: dict[str, Any] = {
        "speaks_dicom": True,
        "plain_dicom_answered": plain.is_dicom,
        "plain_association_accepted": plain is Answer.ACCEPTED,
        "tls_offered": tls_answer is not None and tls_answer.is_dicom,
    }
    tls_used = not plain.is_dicom
    facts["tls_required"] = facts["tls_offered"] and tls_used
    facts["tls_version"] = version if facts["tls_offered"] else None
    facts["tls_lowest_version"] = _lowest_version(endpoint, timeout, version) if facts["tls_offered"] else None
    facts.update(_access(endpoint, options, tls_used))
    return _resource(endpoint, facts)


def _over_tls(endpoint: Endpoint, options: ProbeOptions) -> tuple[Answer | None, str | None]:
    """The answer to an association request over TLS (None: no handshake), and the version."""
    try:
        tls = handshake(endpoint, options.timeout, client_context())
    except Unreachable:
        return Answer.SILENT, None
    except TlsUnavailable:
        return None, None
    if tls is None:
        return None, None
    version = tls_version_name(tls.version())
    return exchange(tls, options.called_ae, options.calling_ae), version


def _lowest_version(endpoint: Endpoint, timeout: float, negotiated: str | None) -> Any:
    for name, version in TLS_VERSIONS:
        try:
            tls = handshake(endpoint, timeout, client_context(version))
        except TlsUnavailable:
            return Unknown(f"this machine's OpenSSL cannot offer TLS {name}, so whether the endpoint accepts it "
                           "is not known")
        except Unreachable as err:
            return Unknown(f"TLS {name}: {err}", error=True)
        if tls is not None:
            tls.close()
            return name
        if name == negotiated:
            break
    return negotiated


def _access(endpoint: Endpoint, options: ProbeOptions, tls_used: bool) -> dict[str, Any]:
    """An association from random AE titles over the transport that spoke DICOM, and, when it is
    accepted, C-ECHO and a patient-level C-FIND over it: what an anonymous peer gets."""
    context = client_context() if tls_used else None
    calling, called = _random_title(), _random_title()
    try:
        sock = connect(endpoint, options.timeout)
        if context is not None:
            sock = context.wrap_socket(sock)
        answer = exchange(sock, called, calling)
    except (Unreachable, OSError) as err:
        why = str(err) if isinstance(err, Unreachable) else f"connection failed ({type(err).__name__})"
        return dict.fromkeys(("unknown_ae_accepted", *_SERVICE_KEYS), Unknown(why, error=True))
    if answer in (Answer.REJECTED, Answer.ABORTED):
        return {"unknown_ae_accepted": False, "echo_succeeded": False, "find_succeeded": False,
                "find_result_count": None, "find_result_count_capped": None}
    if answer is not Answer.ACCEPTED:
        unanswered = Unknown(f"no answer to an association request from unknown AE titles ({answer.value})",
                             error=True)
        return dict.fromkeys(("unknown_ae_accepted", *_SERVICE_KEYS), unanswered)
    answers = query(endpoint, context, called, calling, options.timeout, options.max_results)
    if not answers.associated:
        again = Unknown("the association for C-ECHO/C-FIND was not accepted a second time", error=True)
        return {"unknown_ae_accepted": True, **dict.fromkeys(_SERVICE_KEYS, again)}
    return {"unknown_ae_accepted": True, "echo_succeeded": answers.echo_succeeded,
            "find_succeeded": answers.find_succeeded, "find_result_count": answers.find_result_count,
            "find_result_count_capped": answers.find_capped if answers.find_succeeded else None}
