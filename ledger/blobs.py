"""Content-addressed blobs: `objects/ab/cdef...` named by sha256.

Written to a temporary file, fsynced and renamed into place, so a blob is
either whole or absent; writing the same bytes twice stores them once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ledger.digests import sha256
from ledger.errors import StoreError

_CHUNK = 1 << 20


class BlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)  # a str: pathlib is kept off the run's import path (ledger/home.py)

    def path(self, sha: str) -> str:
        return os.path.join(self.root, sha[:2], sha[2:])

    def has(self, sha: str) -> bool:
        return os.path.exists(self.path(sha))

    def put_bytes(self, data: bytes) -> str:
        sha = sha256(data).hexdigest()
        if not self.has(sha):
            self._write(sha, [data])
        return sha

    def put_file(self, src: str | os.PathLike[str]) -> tuple[str, int]:
        """Store a file's bytes; returns (sha256, size)."""
        h = _sha256_for(os.path.getsize(src))
        size = 0
        with open(src, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
                size += len(chunk)
        sha = h.hexdigest()
        if not self.has(sha):
            with open(src, "rb") as fh:
                self._write(sha, iter(lambda: fh.read(_CHUNK), b""))
        return sha, size

    def read(self, sha: str) -> bytes:
        try:
            with open(self.path(sha), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            raise StoreError(f"blob {sha[:12]} is missing (purged?); `ledger verify` lists what is lost") from None

    def remove(self, sha: str) -> None:
        try:
            os.unlink(self.path(sha))
        except FileNotFoundError:
            pass

    def all(self) -> Iterator[str]:
        if not os.path.exists(self.root):
            return
        for sub in sorted(os.listdir(self.root)):
            folder = os.path.join(self.root, sub)
            if os.path.isdir(folder) and len(sub) == 2:
                for name in sorted(os.listdir(folder)):
                    if not name.startswith("."):
                        yield sub + name

    def check(self, sha: str) -> bool:
        h = _sha256_for(os.path.getsize(self.path(sha)))
        with open(self.path(sha), "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
        return h.hexdigest() == sha

    def _write(self, sha: str, chunks) -> None:
        dest = self.path(sha)
        try:
            folder = os.path.dirname(dest)
            os.makedirs(folder, exist_ok=True)
            # a name of our own, O_EXCL: tempfile's import costs more than a blob write
            tmp = os.path.join(folder, f".tmp-{os.getpid()}-{os.urandom(6).hex()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as e:
            raise StoreError(f"cannot write to {self.root}: {e.strerror}; check LEDGER_HOME") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        except BaseException:
            os.unlink(tmp)
            raise


def _sha256_for(size: int):
    """OpenSSL's sha256 for big data (much faster), the built-in one for the
    small files of a run's start (hashlib's import costs more than hashing)."""
    if size > _CHUNK:
        import hashlib

        return hashlib.sha256()
    return sha256()
