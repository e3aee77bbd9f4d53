"""The commands that observe directly instead of reading configuration: ``pacscan probe dicom`` and
``pacscan deid``, and ``--deid-sample`` for ``pacscan cloud aws|gcp``. Arguments here; each command
is one collector run through the same scan as ``pacscan cloud`` (catalog, parameters,
attestations, waivers, baseline, evidence and reports).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scanner.collectors.base import Collector
from scanner.extras import require

Factory = Callable[[Mapping[str, Any]], Collector]
_AE_TITLE = re.compile(r"[\x20-\x5b\x5d-\x7e]{1,16}")  # PS3.5 AE VR: 16 characters, no backslash


def _bounded(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}")
        return value

    return parse


def _ae_title(text: str) -> str:
    if not _AE_TITLE.fullmatch(text) or not text.strip():
        raise argparse.ArgumentTypeError("an AE title is 1 to 16 printable characters, no backslash")
    return text


def add_input_commands(commands: Any, common: argparse.ArgumentParser, epilog: str) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    probe = commands.add_parser("probe", help="probe network endpoints directly (DICOM)", formatter_class=fmt,
                                description="Contact the endpoints you name, as an unauthenticated peer would.")
    kinds = probe.add_subparsers(dest="probe_kind", required=True, metavar="KIND")
    dicom = kinds.add_parser(
        "dicom", parents=[common], formatter_class=fmt, epilog=epilog, help="DICOM endpoints (PACS, modalities)",
        description="For each endpoint: whether it speaks DICOM, accepts a clear-text association, offers or "
        "requires TLS (and which versions), accepts unknown AE titles, and answers C-ECHO and a patient-level "
        "C-FIND without credentials (only whether results came back and how many). Only the endpoints named "
        "are contacted. Needs the dicom extra.")
    dicom.add_argument("endpoints", nargs="+", metavar="HOST[:PORT]", help="endpoint (default port 104; IPv6 as "
                       "[ADDRESS]:PORT)")
    dicom.add_argument("--timeout", type=_bounded(float, 0.1, 60), default=3.0, metavar="S",
                       help="seconds per connection, handshake and answer (default 3)")
    dicom.add_argument("--concurrency", type=_bounded(int, 1, 64), default=8, metavar="N",
                       help="endpoints probed at once (default 8)")
    dicom.add_argument("--calling-ae", type=_ae_title, default="PACSCAN", metavar="TITLE",
                       help="calling AE title of the first association (default PACSCAN)")
    dicom.add_argument("--called-ae", type=_ae_title, default="ANY-SCP", metavar="TITLE",
                       help="called AE title of the first association (default ANY-SCP)")
    dicom.add_argument("--max-results", type=_bounded(int, 1, 1000), default=25, metavar="N",
                       help="stop counting C-FIND matches at N (default 25)")
    deid = commands.add_parser(
        "deid", parents=[common], formatter_class=fmt, epilog=epilog,
        help="check that images are de-identified (DICOM headers, photo EXIF)",
        description="Read a sample of the objects under each target, only as far as their DICOM header "
        "(never pixel data) or photo metadata, and report which identifying attributes, dates, private tags, "
        "burned-in annotation flags and GPS/identifying EXIF tags they carry: names and counts, never values. "
        "Needs the dicom extra; S3 needs s3:ListBucket and s3:GetObject, GCS storage.objects.list and "
        "storage.objects.get (docs/deid.md).")
    deid.add_argument("targets", nargs="+", metavar="PATH|s3://BUCKET/PREFIX|gs://BUCKET/PREFIX")
    add_deid_options(deid)
    deid.add_argument("--profile", help="AWS profile for s3:// targets (default: the standard chain)")
    deid.add_argument("--key-file", type=Path, metavar="FILE",
                      help="service-account key file for gs:// targets (default: application default credentials)")


def add_deid_options(parser: argparse.ArgumentParser, *, opt_in: bool = False) -> None:
    if opt_in:
        parser.add_argument("--deid-sample", type=_bounded(int, 1, 100_000), metavar="N",
                            help="also read the headers of N objects per bucket marked de-identified by the "
                                 "deidentified_data parameter (needs object read permissions; docs/deid.md)")
    else:
        parser.add_argument("--sample", type=_bounded(int, 0, 1_000_000), default=200, metavar="N",
                            help="objects checked per target, drawn at random (default 200; 0: every object)")
        parser.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
        parser.add_argument("--concurrency", type=_bounded(int, 1, 64), default=8, metavar="N",
                            help="objects read at once (default 8)")
    parser.add_argument("--max-header-bytes", type=_bounded(int, 4096, 64 << 20), default=1 << 20, metavar="B",
                        help="bytes read at most from the start of an object (default 1 MiB)")


def deid_options(args: argparse.Namespace, sample: int | None = None) -> Any:
    from scanner.collectors.deid import DeidOptions

    return DeidOptions(sample=args.sample if sample is None else sample, max_header_bytes=args.max_header_bytes,
                       concurrency=min(getattr(args, "concurrency", 8), 32), seed=getattr(args, "seed", 0))


def probe_collector(args: argparse.Namespace) -> tuple[str, Factory]:
    require("dicom", "pacscan probe dicom")
    from scanner.collectors.dicom import DicomProbe, ProbeOptions, parse_endpoint

    endpoints = [parse_endpoint(text) for text in args.endpoints]
    options = ProbeOptions(timeout=args.timeout, concurrency=args.concurrency, calling_ae=args.calling_ae,
                           called_ae=args.called_ae, max_results=args.max_results)
    return "dicom:" + ",".join(e.label for e in endpoints), lambda _parameters: DicomProbe(endpoints, options)


def deid_collector(args: argparse.Namespace) -> tuple[str, Factory]:
    require("dicom", "pacscan deid")
    from scanner.collectors.deid import DeidCollector, split_url

    targets = [split_url(text) for text in args.targets]

    def make(_parameters: Mapping[str, Any]) -> Collector:
        return DeidCollector([_source(scheme, bucket, path, args) for scheme, bucket, path in targets],
                             deid_options(args))

    return "deid:" + ",".join(args.targets), make


def _source(scheme: str, bucket: str, path: str, args: argparse.Namespace) -> Any:
    from scanner.collectors.deid.cloud_sources import GcsSource, S3Source
    from scanner.collectors.deid.sources import LocalSource

    if scheme == "s3":
        from scanner.collectors.aws.session import AwsSession, AwsTarget

        return S3Source(AwsSession(AwsTarget(profile=args.profile)).client("s3"), bucket, path)
    if scheme == "gs":
        require("gcp", "pacscan deid gs://")
        return GcsSource(_gcs_client(args.key_file), bucket, path)
    return LocalSource(Path(path))


def _gcs_client(key_file: Path | None) -> Any:
    from google.cloud.storage import Client  # type: ignore[import-untyped]

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        client = Client(project="<none>", credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    else:
        from scanner.collectors.gcp.credentials import GcpProject, resolve

        client = Client(project="<none>", credentials=resolve(GcpProject("-", key_file)).credentials)
    client._bucket_metadata_cache = None  # no background buckets.get (see collectors/gcp/session.py)
    return client


def with_deid_sample(args: argparse.Namespace, collector: Collector, parameters: Mapping[str, Any]) -> Collector:
    """``collector``, followed by the de-identification check of marked buckets when asked for."""
    sample = getattr(args, "deid_sample", None)
    if sample is None:
        return collector
    require("dicom", "--deid-sample")
    from scanner.collectors.deid.marked import WithDeidSample

    def source_for(bucket: Any) -> Any:
        from scanner.collectors.deid.cloud_sources import GcsSource, S3Source

        session = getattr(collector, "session", None)
        if bucket.type == "aws.s3.bucket" and session is not None:
            return S3Source(session.client("s3", bucket.region), bucket.name)
        return GcsSource(_gcs_client(getattr(args, "key_file", None)), bucket.name)

    return WithDeidSample(collector, parameters, deid_options(args, sample), source_for)
