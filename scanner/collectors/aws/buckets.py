"""The account's S3 buckets and their regions, from ``ListBuckets`` alone.

``ListBuckets`` is paginated (``MaxBuckets``, ``ContinuationToken``) and, when asked with any
parameter, returns each bucket's ``BucketRegion``; where regions are given (``--region``) it is
asked once per region with ``BucketRegion`` (through that region's endpoint, as S3 requires), so
only those regions' buckets are scanned. No ``GetBucketLocation`` per bucket, except for a bucket
an endpoint lists without its region (emulators that predate ``BucketRegion``): then the caller
asks ``GetBucketLocation`` for that bucket only.

A page as long as ``MaxBuckets`` with no ``ContinuationToken`` may be an endpoint that cuts the
listing short instead of paging (moto does): the listing is then asked again without
``MaxBuckets`` (AWS answers that with pages of up to 10,000 buckets and a token when there are
more) and both answers are merged, so no bucket is silently lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.session import AwsSession

#: buckets asked for per ListBuckets page (AWS allows 1..10,000)
PAGE_SIZE = 1000


@dataclass(frozen=True)
class Listed:
    """One bucket as ListBuckets gave it."""

    name: str
    #: the bucket's region; None when the endpoint did not say (GetBucketLocation then)
    region: str | None
    #: canonical user id of the owner of the listed buckets (the account), where returned
    owner: str | None = None


def list_buckets(session: AwsSession) -> list[Listed]:
    """Every bucket of the account, or of the regions the target names. Raises the SDK's errors."""
    found: dict[str, Listed] = {}
    if session.target.regions:
        for region in session.target.regions:
            for bucket in _listing(session.client("s3", region), {"BucketRegion": region}):
                found.setdefault(bucket.name, Listed(bucket.name, bucket.region or region, bucket.owner))
    else:
        for bucket in _listing(session.client("s3"), {}):
            found.setdefault(bucket.name, bucket)
    return sorted(found.values(), key=lambda b: b.name)


def _listing(client: Any, filters: Mapping[str, Any]) -> list[Listed]:
    buckets, full_page = _pages(client, filters, PAGE_SIZE)
    if full_page:  # possibly cut short rather than paged: ask again without MaxBuckets, keep both
        more, _ = _pages(client, filters, None)
        known = {b.name for b in buckets}
        buckets += [b for b in more if b.name not in known]
    return buckets


def _pages(client: Any, filters: Mapping[str, Any], size: int | None) -> tuple[list[Listed], bool]:
    """Every page of one listing; and whether its last page was full with no continuation token."""
    out: list[Listed] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = dict(filters)
        if size is not None:
            kwargs["MaxBuckets"] = size
        if token:
            kwargs["ContinuationToken"] = token
        page = client.list_buckets(**kwargs)
        owner = (page.get("Owner") or {}).get("ID")
        items = page.get("Buckets", [])
        out += [Listed(str(b["Name"]), b.get("BucketRegion") or None, owner) for b in items]
        token = page.get("ContinuationToken") or None
        if token is None:
            return out, size is not None and len(items) >= size
