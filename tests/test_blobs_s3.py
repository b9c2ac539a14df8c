"""Originals in S3-compatible storage (review/blobs_s3.py) against moto's S3 *server mode*: a
real HTTP server in its own process that boto3 talks to like any S3 endpoint."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from review.errors import NotFound, StoreError
from tests.e2e_support import free_port

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch: pytest.MonkeyPatch):
    # moto accepts any credentials; these are placeholders, not secrets
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("COMPETENCY_REVIEW_S3_ENDPOINT", s3_endpoint)
    name = f"originals-{free_port()}"
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=name)
    return client, name


def test_put_get_once_and_damage_is_refused(bucket):
    from review.blobs_s3 import S3BlobStore

    client, name = bucket
    store = S3BlobStore.from_url(f"s3://{name}/cr")
    sha = store.put(b"policy bytes", ".docx")
    assert store.put(b"policy bytes", ".DOCX") == sha  # stored once
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == [f"cr/{sha}.docx"]
    assert store.get(sha, ".docx") == b"policy bytes" and store.has(sha)
    with pytest.raises(NotFound):
        store.get("0" * 64, ".docx")
    with pytest.raises(NotFound):
        store.get("../../etc/passwd", ".docx")
    client.put_object(Bucket=name, Key=f"cr/{sha}.docx", Body=b"replaced behind our back")
    with pytest.raises(StoreError, match="damaged"):
        store.get(sha, ".docx")


def test_an_unreachable_endpoint_is_a_store_error(monkeypatch: pytest.MonkeyPatch):
    from review.blobs_s3 import S3BlobStore

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("COMPETENCY_REVIEW_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(StoreError, match="S3"):
        S3BlobStore.from_url("s3://nowhere").put(b"x", ".txt")
    with pytest.raises(StoreError, match="s3://"):
        S3BlobStore.from_url("http://not-s3")


@pytest.mark.postgres
def test_the_postgresql_store_keeps_originals_in_s3_when_asked(
    bucket, pg_server, data_dir, monkeypatch: pytest.MonkeyPatch
):
    """Through the services: an upload's original lands in the bucket, not in the database, and
    comes back byte for byte for download."""
    from review.storage_pg import PostgresRepository
    from tests.test_services import World

    client, name = bucket
    monkeypatch.setenv("COMPETENCY_REVIEW_ORIGINALS", f"s3://{name}")
    repo = PostgresRepository(pg_server.url, max_size=2)
    try:
        repo.wipe()
        monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", pg_server.url)
        from review import storage_pg

        monkeypatch.setitem(storage_pg._SHARED, (pg_server.url, __import__("os").getpid()), repo)
        w = World(data_dir)
        result = w.upload(w.alice)
        doc = w.svc.get_document(w.alice, result.document_id)
        filename, data = w.svc.original(w.alice, result.document_id)
        assert repo.counts()["originals"] == 0
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
        assert len(keys) == 1 and keys[0].endswith(".docx")
        import hashlib

        assert keys[0].startswith(hashlib.sha256(data).hexdigest())
        assert doc.title and filename.endswith(".docx")
        from review.demo import STAFF_WELLNESS
        from tests.test_services import docx_bytes

        assert data == docx_bytes(STAFF_WELLNESS)  # byte for byte what was uploaded
    finally:
        repo.close()
