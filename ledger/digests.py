"""sha256, md5 and blake2b for the run path, without hashlib's start-up.

`import hashlib` loads OpenSSL, about 2 ms: a measurable part of a run's
start-up budget. CPython also builds its own implementations in
(`_sha2`/`_sha256`, `_md5`, `_blake2`); they are as exact and fast enough
for source files and log lines. Where one is missing, hashlib's is used.
Large data (artifacts, big blobs) should use `hashlib` itself: OpenSSL's
sha256 is several times faster there.
"""

from __future__ import annotations

import sys


def _pick(name: str, module: str):
    # one try per name: a failed import searches every path entry
    try:
        return getattr(__import__(module), name)
    except (ImportError, AttributeError):
        import hashlib

        return getattr(hashlib, name)


sha256 = _pick("sha256", "_sha2" if sys.version_info >= (3, 12) else "_sha256")
md5 = _pick("md5", "_md5")
blake2b = _pick("blake2b", "_blake2")
