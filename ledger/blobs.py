"""Content-addressed blobs: `objects/ab/cdef...` named by sha256.

Written to a temporary file, fsynced and renamed into place, so a blob is
either whole or absent; writing the same bytes twice stores them once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ledger.errors import StoreError

_CHUNK = 1 << 20


def _chunks(path: str | os.PathLike[str]) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


class BlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:]

    def has(self, sha: str) -> bool:
        return self.path(sha).exists()

    def put_bytes(self, data: bytes) -> str:
        return self.put_chunks([data])[0]

    def put_chunks(self, chunks: Sequence[bytes]) -> tuple[str, int]:
        """Store the bytes of `chunks` one after another as one blob, never
        joined in memory; returns (sha256, size)."""
        h = hashlib.sha256()
        for chunk in chunks:
            h.update(chunk)
        sha = h.hexdigest()
        if not self.has(sha):
            self._write(sha, chunks)
        return sha, sum(map(len, chunks))

    def put_file(self, src: str | os.PathLike[str]) -> tuple[str, int]:
        """Store a file's bytes; returns (sha256, size)."""
        h = hashlib.sha256()
        size = 0
        for chunk in _chunks(src):
            h.update(chunk)
            size += len(chunk)
        sha = h.hexdigest()
        if not self.has(sha):
            self._write(sha, _chunks(src))
        return sha, size

    def read(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"blob {sha[:12]} is missing (purged?)", "`ledger verify` lists what is lost") from None

    def intact(self, sha: str) -> bytes | None:
        """The blob's bytes when it is present and still matches its name;
        None when it is gone or was altered (a projection then treats it as
        lost rather than spread what no longer proves itself)."""
        try:
            data = self.path(sha).read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha else None

    def remove(self, sha: str) -> None:
        self.path(sha).unlink(missing_ok=True)

    def all(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                for f in sorted(folder.iterdir()):
                    if not f.name.startswith("."):
                        yield folder.name + f.name

    def check(self, sha: str) -> bool:
        h = hashlib.sha256()
        for chunk in _chunks(self.path(sha)):
            h.update(chunk)
        return h.hexdigest() == sha

    def _write(self, sha: str, chunks: Iterable[bytes]) -> None:
        dest = self.path(sha)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=dest.parent)
        except OSError as e:
            raise StoreError(f"cannot write to {self.root}: {e.strerror}; check LEDGER_HOME") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        except BaseException:
            os.unlink(tmp)
            raise
