"""Object storage sources for ``pacscan deid``: S3 (boto3) and Cloud Storage (google-cloud-storage).

Both list with the provider's paginated listing and read with a ranged GET of the first bytes, so
a 2 GB CBCT volume costs the size of its header. Permissions: ``s3:ListBucket`` +
``s3:GetObject``, or ``storage.objects.list`` + ``storage.objects.get``; none of them is in the
default read-only scan policy (docs/deid.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.collectors.deid.sources import ListingError, ObjectRef, ReadError


@dataclass(frozen=True)
class S3Source:
    client: Any  # a boto3 S3 client (from an AwsSession, so retries, timeouts and call records apply)
    bucket: str
    prefix: str = ""

    @property
    def label(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def objects(self) -> Iterator[ObjectRef]:
        from scanner.collectors.aws.errors import api_errors, reason

        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    if not item["Key"].endswith("/"):
                        yield ObjectRef(f"s3://{self.bucket}/{item['Key']}", item["Key"], int(item.get("Size", 0)))
        except api_errors() as err:
            raise ListingError(reason(err)) from None

    def head(self, ref: ObjectRef, length: int) -> bytes:
        from scanner.collectors.aws.errors import api_errors, reason

        if ref.size == 0:
            return b""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=ref.key, Range=f"bytes=0-{length - 1}")
            data: bytes = response["Body"].read()
        except api_errors() as err:
            raise ReadError(reason(err)) from None
        return data


@dataclass(frozen=True)
class GcsSource:
    client: Any  # a google.cloud.storage.Client
    bucket: str
    prefix: str = ""
    timeout: float = 60.0

    @property
    def label(self) -> str:
        return f"gs://{self.bucket}/{self.prefix}"

    def objects(self) -> Iterator[ObjectRef]:
        from scanner.collectors.gcp.errors import api_errors, reason

        try:
            for blob in self.client.list_blobs(self.bucket, prefix=self.prefix or None, timeout=self.timeout):
                if not blob.name.endswith("/"):
                    yield ObjectRef(f"gs://{self.bucket}/{blob.name}", blob.name, int(blob.size or 0))
        except api_errors() as err:
            raise ListingError(reason(err)) from None

    def head(self, ref: ObjectRef, length: int) -> bytes:
        from scanner.collectors.gcp.errors import api_errors, reason

        if ref.size == 0:
            return b""
        blob = self.client.bucket(self.bucket).blob(ref.key)
        try:
            data: bytes = blob.download_as_bytes(start=0, end=length - 1, timeout=self.timeout, checksum=None)
        except api_errors() as err:
            raise ReadError(reason(err)) from None
        return data
