"""Bringing one run directory in line with the log, without destroying a byte.

What the log can restore is a list of planned files (literal bytes, or the
concatenation of blobs, each re-hashed as it is copied). Each file on disk
is then one of:

- as planned: left alone;
- missing: written;
- different: its bytes are not in the log, so they are moved to a
  `lost+found` folder inside the home before the log's version is written;
- not planned at all (an artifact too big to store, a file the run wrote
  after it ended): kept in place and reported;
- planned but not restorable (a blob missing or altered): left as it is
  and reported. Bytes that fail their hash are never written.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Set
from dataclasses import dataclass
from pathlib import Path

from ledger.blobs import BlobStore
from ledger.events import Event, OutputCaptured, RunStarted, SourcecodeCopied
from ledger.projections import rundir

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Planned:
    """One file of a run directory as the log has it."""

    data: bytes | None = None  # literal bytes (attributes, manifest...)
    blobs: tuple[str, ...] = ()  # else the concatenation of these blobs
    mode: int | None = None


def planned_files(events: list[Event]) -> dict[str, Planned]:
    """Every file the log can restore, path relative to the run directory ->
    what it holds, in the order a run writes them (later ones win)."""
    files: dict[str, Planned] = {}
    for ev in events:
        if isinstance(ev.data, SourcecodeCopied):
            for f in ev.data.files:
                files[f.path] = Planned(blobs=(f.sha256,), mode=f.mode & 0o777)
    for path, sha in rundir.written_files(events):
        files[path] = Planned(blobs=(sha,))
    files.update((rel, Planned(data=data)) for rel, data in rundir.meta_files(events).items())
    chunks = [ev.data for ev in events if isinstance(ev.data, OutputCaptured)]
    if chunks or any(isinstance(ev.data, RunStarted) for ev in events):
        files[f"{rundir.META}/output"] = Planned(blobs=tuple(c.blob for c in chunks))
        index = "".join(rundir.output_index_line(ms, s) * count for c in chunks for ms, s, count in c.index)
        files[f"{rundir.META}/output.index"] = Planned(data=index.encode())
    return files


class Unrestorable(Exception):
    """A planned file's blob is missing or does not match its hash."""


@dataclass
class Restore:
    """One run directory brought in line with its planned files. `lost` is
    where differing files go; with `write` False nothing is touched and the
    notices say what a rebuild would do."""

    blobs: BlobStore
    lost: Path
    write: bool = True
    written: int = 0

    def run_dir(self, run_dir: Path, plan: dict[str, Planned], unstored: Set[str] = frozenset()) -> Iterator[str]:
        """One notice per file not left as it was (or that would not be), and
        per file kept that the log cannot restore (`unstored`: recorded
        artifacts whose bytes were too big to store)."""
        for rel, want in plan.items():
            path = run_dir / rel
            try:
                state = _state(path, want, self.blobs)
            except Unrestorable as e:
                yield f"cannot restore {rel}: {e}; " + ("left as it is" if path.exists() else "it stays missing")
                continue
            if state == "same":
                continue
            if state == "differs":
                dest = self.lost / rel
                if self.write:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(os.fspath(path), dest)
                yield f"differs {rel}: " + ("moved to " if self.write else "would move to ") + os.fspath(dest)
            elif not self.write:
                yield f"missing {rel}"
            if self.write:
                try:
                    _write(path, want, self.blobs)
                except Unrestorable as e:
                    yield f"cannot restore {rel}: {e}; it stays missing"
                    continue
                self.written += 1
        for rel in _unplanned(run_dir, plan):
            yield f"kept {rel}: " + ("recorded, too big to store in the log" if rel in unstored else "not in the log")


def _state(path: Path, want: Planned, blobs: BlobStore) -> str:
    """"same", "missing" or "differs"; Unrestorable when the log's bytes
    cannot be had whole and proven."""
    for sha in want.blobs:
        if not blobs.has(sha):
            raise Unrestorable(f"blob {sha[:12]} is missing")
    if not path.is_file() and not path.is_symlink():
        return "missing" if not path.exists() else "differs"
    if want.data is not None:
        return "same" if _size(path) == len(want.data) and path.read_bytes() == want.data else "differs"
    expected = hashlib.sha256()
    size = 0
    for chunk in _blob_chunks(want.blobs, blobs):
        expected.update(chunk)
        size += len(chunk)
    if _size(path) != size:
        return "differs"
    have = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            have.update(chunk)
    return "same" if have.digest() == expected.digest() else "differs"


def _size(path: Path) -> int:
    return path.lstat().st_size


def _blob_chunks(shas: tuple[str, ...], blobs: BlobStore) -> Iterator[bytes]:
    """The blobs' bytes in chunks; Unrestorable at the end of a blob that
    does not match its name, before the caller keeps anything made of it."""
    for sha in shas:
        h = hashlib.sha256()
        try:
            with open(blobs.path(sha), "rb") as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    h.update(chunk)
                    yield chunk
        except OSError:
            raise Unrestorable(f"blob {sha[:12]} cannot be read") from None
        if h.hexdigest() != sha:
            raise Unrestorable(f"blob {sha[:12]} does not match its hash")


def _write(path: Path, want: Planned, blobs: BlobStore) -> None:
    """Write to a temporary file beside `path`, then rename: a blob that
    fails its hash half-way leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".rebuild-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if want.data is not None:
                fh.write(want.data)
            else:
                for chunk in _blob_chunks(want.blobs, blobs):
                    fh.write(chunk)
        os.chmod(tmp, want.mode if want.mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unplanned(run_dir: Path, plan: dict[str, Planned]) -> list[str]:
    if not run_dir.is_dir():
        return []
    out = []
    for dirpath, _, names in os.walk(run_dir):
        for name in names:
            rel = Path(dirpath, name).relative_to(run_dir).as_posix()
            if rel not in plan:
                out.append(rel)
    return sorted(out)
