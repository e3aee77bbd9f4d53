"""The DICOM endpoint probe (``pacscan probe dicom``): what a PACS or modality endpoint accepts from
the network, as an attacker would find it. Needs the ``dicom`` extra (pynetdicom, pydicom).

    endpoints.py   HOST[:PORT] arguments, and endpoints taken from a scan's evidence
    pdu.py         the A-ASSOCIATE-RQ written by hand and the answer classified by its header
    transport.py   TCP and TLS connections with one short timeout
    services.py    C-ECHO and a counted, unread, patient-level C-FIND through pynetdicom
    probe.py       the collector: endpoints -> ``dicom.endpoint`` resources
"""

from scanner.collectors.dicom.endpoints import DEFAULT_PORT, parse_endpoint
from scanner.collectors.dicom.probe import DicomProbe, ProbeOptions
from scanner.collectors.dicom.transport import Endpoint

__all__ = ["DEFAULT_PORT", "DicomProbe", "Endpoint", "ProbeOptions", "parse_endpoint"]
