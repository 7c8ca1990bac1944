"""A quick walk of the hash chain over a range of the log's lines: what a
projection may fold.

`verify` proves each line is byte for byte the canonical event that was
sealed; that costs a JSON parse and a re-serialisation per line. Folding
needs less: that no line was altered, inserted, removed or reordered since
it was sealed. Each line's hash is the sha256 of its own bytes (without the
hash), and the next line names that hash as its `prev`, so checking the
hash of the raw bytes and the link to the line before pins every byte of
the chain to its tip. The envelope's tail (prev, run, seq, ts, tx, txn,
type, v, hash) is read with one pattern, not a JSON parse: canonical JSON
sorts its keys and a string can hold no bare quote, so the last `,"prev":"`
of a line is the envelope's.

The walk stops at the first line that breaks the chain and remembers the
end of the last whole transaction before it: the intact prefix.
"""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

_PREV = b',"prev":"'
_SEQ = b',"seq":'
_HASH = b',"hash":"'
_HASHED = len(_HASH) + 64 + len(b'"}\n')  # what follows the hashed body on a line


class ChainWalk:
    """The chain walked so far: `seq` and `hash` of the last event that ends
    a transaction, and `problem` once a line breaks the chain."""

    def __init__(self, seq: int, prev_hash: str) -> None:
        self.seq = seq
        self.hash = prev_hash
        self.problem: str | None = None
        self.foreign = False  # the very first line walked breaks it: the log may not be the one expected
        self._started = False

    def segment(self, path: Path, start: int, last_seq: int, max_bytes: int | None = None) -> int:
        """Walk `path` from byte `start` until the transaction ending at
        `last_seq` (the log's committed end), the segment's end, or, with
        `max_bytes`, the first transaction end past that many bytes; the
        offset where the last whole, intact transaction ends."""
        seq, prev, tx_end = self.seq, self.hash.encode(), self.seq
        end = pos = start
        with open(path, "rb") as fh:
            fh.seek(start)
            for line in fh:
                digest = line[-67:-3]
                if line[-_HASHED:-67] != _HASH or line[-3:] != b'"}\n':
                    return self._broken(path, pos, seq + 1, "the line is not a sealed event", end)
                body = sha256(memoryview(line)[:-_HASHED])
                body.update(b"}")
                if body.hexdigest().encode() != digest:
                    return self._broken(path, pos, seq + 1, "the line is not the event that was sealed", end)
                try:
                    got, tx, txn, link = _envelope(line)
                except ValueError:
                    return self._broken(path, pos, seq + 1, "the line is not a sealed event", end)
                if got != seq + 1:
                    return self._broken(path, pos, seq + 1, f"found seq {got} instead; events are missing", end)
                if link != prev:
                    return self._broken(path, pos, got, f"the chain is broken, prev is not the hash of seq {seq}", end)
                if not tx <= got < tx + txn or (got == tx) != (seq == tx_end):
                    return self._broken(path, pos, got, f"transaction {tx} of {txn} events cannot hold it", end)
                self._started = True
                seq, prev = got, digest
                pos += len(line)
                if got == tx + txn - 1:
                    end, tx_end, self.seq, self.hash = pos, got, got, digest.decode()
                    if got >= last_seq or (max_bytes is not None and end - start >= max_bytes):
                        break
        if seq != tx_end:
            return self._broken(path, end, tx_end + 1, f"transaction {tx_end + 1} does not end in its segment", end)
        return end

    def _broken(self, path: Path, pos: int, seq: int, what: str, end: int) -> int:
        self.foreign = not self._started
        self.problem = f"seq {seq} ({path.name} byte {pos}): {what}"
        return end


def _envelope(line: bytes) -> tuple[int, int, int, bytes]:
    """(seq, tx, txn, prev) of a sealed line, from the envelope's keys that
    follow `data` (`...,"seq":S,"ts":"T","tx":X,"txn":N,"type":"K","v":V`)."""
    at = line.rfind(_PREV)
    if at < 0:
        raise ValueError("not an envelope")
    fields = line[line.index(_SEQ, at) + 1 : -_HASHED].split(b",")
    if len(fields) != 6 or not fields[2].startswith(b'"tx":') or not fields[3].startswith(b'"txn":'):
        raise ValueError("not an envelope")
    return int(fields[0][6:]), int(fields[2][5:]), int(fields[3][6:]), line[at + 9 : at + 73]
