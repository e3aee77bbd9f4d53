"""C-ECHO and a patient-level C-FIND over one association, through pynetdicom.

Only whether each service answered, and how many patient matches came back, leave this module:
each match is dropped unread the moment it arrives, and the query stops (association aborted) at
``max_results``. The query itself carries no value: universal matching on PatientID.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.collectors.dicom.transport import Endpoint

_PENDING = (0xFF00, 0xFF01)
_SUCCESS = 0x0000


@dataclass(frozen=True)
class ServiceAnswers:
    associated: bool
    echo_succeeded: bool = False
    find_succeeded: bool = False
    find_result_count: int | None = None
    find_capped: bool = False


def silence_libraries() -> None:
    """pynetdicom, pydicom and Pillow log with values from the wire or the file in the message:
    nothing of theirs may reach a handler, whatever --debug says."""
    for name in ("pynetdicom", "pydicom", "PIL"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 10)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Their loggers silenced, and no warning printed meanwhile (pydicom warns about an invalid
    value by quoting it)."""
    silence_libraries()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def query(endpoint: Endpoint, context: ssl.SSLContext | None, called: str, calling: str, timeout: float,
          max_results: int) -> ServiceAnswers:
    from pynetdicom import AE
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        PatientRootQueryRetrieveInformationModelFind,
        Verification,
    )

    ae = AE(ae_title=calling)
    ae.add_requested_context(Verification)
    ae.add_requested_context(PatientRootQueryRetrieveInformationModelFind)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = timeout
    tls = (context, endpoint.host) if context is not None else None
    assoc = ae.associate(endpoint.host, endpoint.port, ae_title=called, tls_args=tls)
    if not assoc.is_established:
        return ServiceAnswers(associated=False)
    try:
        echo = _echo(assoc)
        found, count, capped = _find(assoc, PatientRootQueryRetrieveInformationModelFind, max_results)
        return ServiceAnswers(True, echo, found, count, capped)
    finally:
        if assoc.is_established:
            assoc.release()
        ae.shutdown()


def _echo(assoc: Any) -> bool:
    try:
        status = assoc.send_c_echo()
    except (RuntimeError, ValueError):  # the context was not accepted
        return False
    return bool(status) and getattr(status, "Status", None) == _SUCCESS


def _find(assoc: Any, model: Any, max_results: int) -> tuple[bool, int | None, bool]:
    from pydicom.dataset import Dataset

    request = Dataset()
    request.QueryRetrieveLevel = "PATIENT"
    request.PatientID = ""
    count, succeeded = 0, False
    try:
        for status, identifier in assoc.send_c_find(request, model):
            del identifier  # a match: counted, never read
            code = getattr(status, "Status", None) if status else None
            if code in _PENDING:
                count += 1
                if count >= max_results:
                    assoc.abort()
                    return True, count, True
            elif code == _SUCCESS:
                succeeded = True
    except (RuntimeError, ValueError):  # the C-FIND context was not accepted
        return False, None, False
    answered = succeeded or count > 0
    return answered, count if answered else None, False
