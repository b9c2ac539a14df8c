"""Originals in S3-compatible object storage (boto3), an option for the PostgreSQL store.

Selected with ``COMPETENCY_REVIEW_ORIGINALS=s3://BUCKET[/PREFIX]`` (plus
``COMPETENCY_REVIEW_S3_ENDPOINT`` for a non-AWS service such as MinIO or Ceph; credentials the
usual boto3 way: environment, config file or instance role — never in this repository). Unset,
originals live in the database (:class:`review.storage_pg.PostgresBlobStore`).

Objects are named ``PREFIX/<sha256><ext>`` and written once: a ``HEAD`` first, and the upload
carries the SHA-256 (``ChecksumSHA256``), so the service verifies the bytes it stored. Every read
is checked against the name's hash too, so a damaged or replaced object is reported, never
served. Tested against moto's S3 server mode (a local stand-in), not against AWS itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from review.blobs import check_key, sha256_hex
from review.errors import NotFound, StoreError

ENV = "COMPETENCY_REVIEW_ORIGINALS"
ENDPOINT_ENV = "COMPETENCY_REVIEW_S3_ENDPOINT"


class S3BlobStore:
    def __init__(
        self, bucket: str, prefix: str = "", *, client: Any = None, endpoint_url: str | None = None
    ):
        if client is None:
            try:
                import boto3
            except ModuleNotFoundError as exc:  # an optional dependency: pip install boto3
                raise StoreError(
                    f"{ENV} selects S3, but boto3 is not installed (pip install boto3)"
                ) from exc
            client = boto3.client("s3", endpoint_url=endpoint_url)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        if not url.startswith("s3://") or len(url) <= 5:
            raise StoreError(f"{ENV} must look like s3://bucket/prefix, not {url!r}")
        bucket, _, prefix = url[5:].partition("/")
        return cls(bucket, prefix, endpoint_url=os.environ.get(ENDPOINT_ENV) or None)

    def _key(self, sha256: str, ext: str) -> str:
        name = f"{sha256}{check_key(sha256, ext)}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def _errors(self) -> tuple[type[BaseException], ...]:
        from botocore.exceptions import BotoCoreError, ClientError

        return (BotoCoreError, ClientError)

    def put(self, data: bytes, ext: str) -> str:
        sha = sha256_hex(data)
        key = self._key(sha, ext)
        try:
            if self._exists(key):
                return sha
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha)).decode("ascii"),
            )
        except self._errors() as exc:
            raise StoreError(f"the originals store (S3) refused the upload: {exc}") from exc
        return sha

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def get(self, sha256: str, ext: str) -> bytes:
        from botocore.exceptions import ClientError

        key = self._key(sha256, ext)
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise NotFound(
                    "the original file of this version is missing from the store"
                ) from None
            raise StoreError(f"the originals store (S3) cannot be read: {exc}") from exc
        except self._errors() as exc:
            raise StoreError(f"the originals store (S3) cannot be read: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError("the original file in the S3 store is damaged (its SHA-256 differs)")
        return data

    def has(self, sha256: str) -> bool:
        try:
            return any(
                self._exists(self._key(sha256, ext)) for ext in (".docx", ".txt", ".md", ".pdf")
            )
        except NotFound:
            return False
