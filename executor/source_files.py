"""A run's source code as read from the project, and what to say when the
main module is not part of it.

The files are those ledger.executor.sourcecode selects under the
operation's `sourcecode: root` (the project folder by default), each read
once: its bytes go to the blob store and into the run directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ledger.errors import ProjectError
from ledger.events import SourceFile
from ledger.executor import sourcecode
from ledger.executor.op_main import find_main
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Source
from ledger.executor.project import find_project_file
from ledger.home import Home


def source_root(project_dir: str | os.PathLike[str], opdef: OpDef) -> Path:
    """The folder whose files are the run's source: `sourcecode: root`."""
    return Path(project_dir, opdef.sourcecode_root) if opdef.sourcecode_root else Path(project_dir)


def project_source(
    home: Home, project_dir: str | os.PathLike[str], opdef: OpDef
) -> tuple[Source, dict[str, bytes], list[str]]:
    """The project's source files as the run will hold them, their bytes,
    and warnings naming the files the default limits left out."""
    selection = sourcecode.select_explained(
        project_dir, opdef.sourcecode, skip_dirs=(home.path,), root=opdef.sourcecode_root
    )
    root = source_root(project_dir, opdef)
    files, contents = [], {}
    for rel in selection.files:
        full = root / rel
        try:
            data = full.read_bytes()
            mode = full.stat().st_mode & 0o777
        except OSError as e:
            raise ProjectError(f"cannot read source file {rel}: {e.strerror}; fix it or exclude it") from None
        files.append(SourceFile(path=rel, sha256=hashlib.sha256(data).hexdigest(), size=len(data), mode=mode))
        contents[rel] = data
    digest = sourcecode.digest([(rel, contents[rel]) for rel in selection.files])
    return Source(files=tuple(files), digest=digest), contents, selection.warnings


def check_main(opdef: OpDef, source: Source, project_dir: str | os.PathLike[str], home: Home) -> None:
    """Refuse, before anything is written, a main module the run won't
    have; when the project has it but the selection left it out, say why."""
    if not opdef.main or opdef.exec or opdef.is_no_op:
        return
    module, _ = opdef.main_parts()
    names = {f.path for f in source.files}
    if find_main(module, names.__contains__) is not None:
        return
    root = source_root(project_dir, opdef)
    on_disk = find_main(module, lambda rel: os.path.lexists(root / rel))
    if on_disk is None:
        raise ProjectError(
            f"main module {module!r} of operation {opdef.name!r} is not in the source code;"
            " check `main:` in the project file or the `sourcecode:` rules"
        )
    rel = on_disk[0]
    selection = sourcecode.select_explained(
        project_dir, opdef.sourcecode, skip_dirs=(home.path,), root=opdef.sourcecode_root
    )
    why = selection.skipped.get(rel, "the `sourcecode:` rules or an ignore file leave it out")
    if why == sourcecode.SKIPPED_UNREADABLE:
        fix = f"make it readable (chmod +r {rel})"
    elif why == sourcecode.SKIPPED_SPECIAL:
        fix = "make it a regular file"
    elif find_project_file(project_dir) is None:
        fix = (
            f"define an operation for it in guild.yml with a `sourcecode:` rule that selects it"
            f" (e.g. `train: {{main: {module}, sourcecode: [{{include: {rel}}}]}}`)"
        )
    else:
        fix = f"select it with a `sourcecode:` rule in the project file (e.g. `sourcecode: [{{include: {rel}}}]`)"
    raise ProjectError(f"main module {module!r} ({rel}) was not copied to the run because {why}; {fix}")
