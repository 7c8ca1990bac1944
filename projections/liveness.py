"""Whether a run logged as running still is: its owning process's liveness.

A run is owned by the ledger process that created it. The log records that
process as (host, boot id, pid, start time): a pid alone is not an
identity, since pids are reused (`pid_max` can be as low as 32,768), and
neither is a host name, since a container or a machine that mounts the same
home may share it. A run reads `running` only while that exact process is
alive; anything else means its owner is gone without recording the run's
end, and the run reads `terminated`.

A run owned by another host or an earlier boot of this one is
`terminated` too, never `running` and never "unknown": a home is a
single-machine store (its appends are serialised by a local file lock), so
an owner elsewhere cannot be checked from here, and a third state would
need settling by hand. This is the status Guild gives a run whose process
it cannot find. The status is derived when read, never appended:
if the owner is in fact alive somewhere and records the run's end, that
end is what the run reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ledger.events import Event, RunCreated, RunStarted, RunStopped

if TYPE_CHECKING:
    import duckdb

_PROC = "/proc"


def this_host() -> str:
    # the name gethostname() gives (the kernel's node name), without the
    # socket or platform modules, which every run would otherwise load for this alone
    return os.uname().nodename


@lru_cache(maxsize=1)
def boot_id() -> str:
    """This boot of the machine ("" where the kernel does not say)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold
    spaces and parentheses): field 3 (state) is [0], field 22 (start
    time) is [19]. None if there is no such process (or no /proc)."""
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2 :].decode("ascii", "replace").split()


def process_start(pid: int) -> int | None:
    """When process `pid` started, in clock ticks after boot (field 22 of
    /proc/PID/stat); None if it does not exist or is a zombie (dead, only
    not yet reaped by its parent)."""
    return _live_stat_field(pid, 19)


def parent_pid(pid: int) -> int | None:
    """The parent of live process `pid` (field 4 of /proc/PID/stat); None
    if there is no such process or it is a zombie."""
    return _live_stat_field(pid, 1)


def _live_stat_field(pid: int, index: int) -> int | None:
    """Field `index` of `_stat_fields(pid)` as a number; None for a process
    that does not exist or is a zombie."""
    fields = _stat_fields(pid)
    if not fields or len(fields) <= index or fields[0] in ("Z", "X", "x"):
        return None
    try:
        return int(fields[index])
    except ValueError:
        return None


def owner() -> dict[str, Any]:
    """The identity of this process as a run's owner, as `RunCreated` records it."""
    return dict(_identity(os.getpid()))


@lru_cache(maxsize=4)
def _identity(pid: int) -> tuple[tuple[str, Any], ...]:
    # read once per process (a batch names its owner twice a trial); keyed
    # by pid, so a forked process never reads its parent's
    return (("pid", pid), ("pid_start", process_start(pid) or 0), ("boot_id", boot_id()))


def _boot_time() -> float | None:
    """When this machine booted (epoch seconds), from /proc/stat's btime."""
    try:
        with open(f"{_PROC}/stat", "rb") as fh:
            for line in fh:
                if line.startswith(b"btime "):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OverflowError:
        return False
    return True


def owner_alive(
    host: str | None,
    pid: int | None,
    pid_start: int | None = 0,
    boot: str | None = "",
    created: datetime | str | None = None,
    *,
    here: str | None = None,
) -> bool:
    """Whether the process that owns a run is still the one alive with its
    pid. Runs recorded before start times were (`pid_start` 0) are judged
    by their creation time: the owner started before it created the run,
    so a process with that pid that started later is another one."""
    if not pid or pid <= 0 or host != (here or this_host()):
        return False
    now_boot = boot_id()
    if boot and now_boot and boot != now_boot:
        return False
    if not os.path.isdir(_PROC):  # no /proc (macOS): the pid is all there is to check
        return pid_alive(pid)
    start = process_start(pid)
    if start is None:
        return False
    if pid_start:
        return start == pid_start
    return _started_by(start, created)


def _started_by(start_ticks: int, created: datetime | str | None) -> bool:
    booted = _boot_time()
    when = _epoch(created)
    if booted is None or when is None:
        return True  # nothing to compare with: the live pid is the best evidence left
    started = booted + start_ticks / os.sysconf("SC_CLK_TCK")
    return started <= when + 1.0  # btime is whole seconds


def _epoch(created: datetime | str | None) -> float | None:
    if created is None:
        return None
    if isinstance(created, str):
        try:
            created = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)  # a time without a zone is UTC, as the log writes it
    return created.timestamp()


def effective_status(status: str, host: str | None, pid: int | None, pid_start: int | None = 0,
                     boot: str | None = "", created: datetime | str | None = None) -> str:  # fmt: skip
    """A run logged as running whose owning process is gone was killed (or
    belongs to another host or boot): it reads `terminated`."""
    if status == "running" and not owner_alive(host, pid, pid_start, boot, created):
        return "terminated"
    return status


@dataclass(frozen=True)
class Owner:
    """The ledger process that owns a run: it records the run's output and end."""

    host: str
    pid: int
    pid_start: int
    boot_id: str


def stream_state(events: list[Event]) -> tuple[str, Owner | None]:
    """A run's status from its own events, and its owner: `staged` until it
    first starts, then as its last start or stop says; a start reads
    `running` only while its owner lives. The owner is the process that
    recorded the last start when it names itself (a run started later or
    restarted), else the process that created the run."""
    if not events or not isinstance(events[0].data, RunCreated):
        return "terminated", None
    created = events[0].data
    status = "staged" if created.params.get("stage") else "running"
    owner = Owner(created.host, created.pid, created.pid_start, created.boot_id)
    for ev in events[1:]:
        d = ev.data
        if isinstance(d, RunStarted):
            status = "running"
            if d.owner_pid:
                owner = Owner(d.host, d.owner_pid, d.owner_start, d.boot_id)
        elif isinstance(d, RunStopped):
            status = d.status
    return effective_status(status, owner.host, owner.pid, owner.pid_start, owner.boot_id, events[0].ts), owner


def stream_status(events: list[Event]) -> str:
    return stream_state(events)[0]


def running_owner(events: list[Event]) -> Owner | None:
    """The owner of a running run (None: the run is not running)."""
    status, owner = stream_state(events)
    return owner if status == "running" else None


def started_owner() -> dict[str, Any]:
    """This process as the owner a `RunStarted` names."""
    me = owner()
    return {"owner_pid": me["pid"], "owner_start": me["pid_start"], "boot_id": me["boot_id"], "host": this_host()}


def dead_running_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT id, host, pid, pid_start, boot_id, created FROM runs WHERE status = 'running'"
    ).fetchall()
    here = this_host()
    return [rid for rid, host, pid, start, boot, created in rows
            if not owner_alive(host, pid, start, boot, created, here=here)]  # fmt: skip
