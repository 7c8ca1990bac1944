"""The content-addressed blob store."""

from __future__ import annotations

import hashlib

import pytest

from ledger.blobs import BlobStore
from ledger.errors import LedgerError, StoreError


@pytest.fixture
def blobs(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "objects")


def test_bytes_are_named_by_their_sha256_and_read_back(blobs):
    sha = blobs.put_bytes(b"hello")
    assert sha == hashlib.sha256(b"hello").hexdigest()
    assert blobs.read(sha) == b"hello"
    assert blobs.path(sha) == blobs.root / sha[:2] / sha[2:]
    assert blobs.has(sha) and blobs.check(sha)


def test_the_same_bytes_are_stored_once(blobs):
    assert blobs.put_bytes(b"x") == blobs.put_bytes(b"x")
    assert list(blobs.all()) == [hashlib.sha256(b"x").hexdigest()]


def test_a_file_is_stored_by_streaming_it(blobs, tmp_path):
    src = tmp_path / "big.bin"
    data = bytes(range(256)) * 5000  # more than one read chunk
    src.write_bytes(data)
    sha, size = blobs.put_file(src)
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert blobs.read(sha) == data


def test_no_temporary_files_are_left_behind(blobs):
    for i in range(5):
        blobs.put_bytes(str(i).encode())
    leftovers = [p for p in blobs.root.rglob("*") if p.is_file() and p.name.startswith(".")]
    assert leftovers == []
    assert len(list(blobs.all())) == 5


def test_all_lists_every_blob_in_order(blobs):
    shas = {blobs.put_bytes(bytes([i])) for i in range(20)}
    assert list(blobs.all()) == sorted(shas)


def test_an_empty_store_lists_nothing(blobs):
    assert list(blobs.all()) == []


def test_reading_a_missing_blob_is_one_clear_line(blobs):
    with pytest.raises(StoreError) as info:
        blobs.read("0" * 64)
    assert isinstance(info.value, LedgerError) and "\n" not in str(info.value)
    assert "ledger verify" in str(info.value)


def test_check_finds_a_changed_byte(blobs):
    sha = blobs.put_bytes(b"abcdef")
    path = blobs.path(sha)
    path.write_bytes(b"abcdeF")
    assert not blobs.check(sha)


def test_remove_forgets_a_blob_and_tolerates_a_second_remove(blobs):
    sha = blobs.put_bytes(b"gone")
    blobs.remove(sha)
    blobs.remove(sha)
    assert not blobs.has(sha) and list(blobs.all()) == []
