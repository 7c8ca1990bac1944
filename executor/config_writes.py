"""The run's own copies of the config files its flags go to (`flags-dest:
config:FILE` or `multi-config:`, `requires: - config:`): each written with
the run's flag values and recorded as a `config` requirement."""

from __future__ import annotations

import hashlib
import sys

from ledger import verified
from ledger.events import ResolvedFile
from ledger.executor import config_dest
from ledger.executor.config_files import run_configs
from ledger.executor.plan import RunSpec
from ledger.executor.requires import Resolution
from ledger.home import Home


def config_resolutions(home: Home, spec: RunSpec, sources: dict[str, bytes],
                       store: bool = True) -> list[Resolution]:  # fmt: skip
    """The run's copy of each config file its flags go to (`flags-dest:
    config:FILE` or `multi-config:`, `requires: - config:`), their bytes
    put in the blob store unless not `store` (a run outside the log): each
    file as the run's source code has it (a proto's too), else as the
    project has it, with the run's flag values written in. All are written
    before any is stored or announced: a malformed one fails the run alone."""
    dests = run_configs(spec.opdef)
    written = [config_dest.written(dest, _config_source(home, spec, dest, sources), spec.opdef, spec.flag_values)
               for dest in dests]  # fmt: skip
    out = []
    for dest, data in zip(dests, written):
        sha = home.blobs.put_bytes(data) if store else hashlib.sha256(data).hexdigest()
        if not dest.legacy:  # as Guild says it; the legacy file is written from the flags alone
            sys.stderr.write(f"Resolving {dest.name} dependency\n")
        target = ResolvedFile(path=dest.target, source=dest.source, sha256=sha, size=len(data))
        out.append(Resolution(kind="config", name=dest.source, how="copy", files=(target,), data=data))
    return out


def _config_source(home: Home, spec: RunSpec, dest: config_dest.ConfigDest, sources: dict[str, bytes]) -> bytes | None:
    """A config file as the run's source code has it, else as the project has it."""
    src = next((f for f in spec.source.files if f.path == dest.source), None)
    if dest.legacy or src is None:
        return config_dest.project_bytes(dest, spec.project)
    data = sources.get(src.path)
    return data if data is not None else verified.read_blob(home.blobs, src.sha256)
