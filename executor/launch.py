"""Starting a run's process and capturing its output.

The process runs in its run directory with its output tee'd live to the
terminal and handed, as read (whole lines or not) with a time stamp, to a
sink that records it; its stdin is ledger's own (the user's terminal, for
input() and pdb). Output is never split into lines here: a line of a
gigabyte costs what a gigabyte of short lines does.
Ctrl-C and SIGTERM stop the process and are reported, not raised, so the
caller can always record how the run ended.
"""

from __future__ import annotations

import fcntl
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import LedgerError
from ledger.executor.op_main import OWNER_VARIABLE
from ledger.executor.op_main import __file__ as OP_MAIN
from ledger.executor.own_output import to_devnull

OutputSink = Callable[[bytes, int, int], None]  # bytes as read, ms since epoch, stream (0 out, 1 err)

# How often a quiet process's sink hears `tick()`: a run that prints a line
# and then computes for an hour must not keep that line in memory only, and
# points logged through `ledger.log` are taken from their spool while the
# script runs, on the other core, not all after it ends (a tick of a run
# with nothing to take costs some microseconds).
TICK_SECONDS = 0.05

# The run's output pipes are widened to this (Linux's default limit for a
# pipe), so a flood of output waits there while the reader sleeps (GATHER_SECONDS)
# instead of blocking the script; one read empties such a pipe.
PIPE_BYTES = 1 << 20
READ_BYTES = PIPE_BYTES
# While output floods in (a script printing line after line, each line a
# write), reading each write as it comes costs a wake-up, a read and a
# record per line: ten times what writing the line cost the script. Then,
# after a read of less than GATHER_BYTES, the reader waits GATHER_SECONDS,
# and the next read takes what gathered meanwhile. A pipe that could not be
# widened is read as output comes: waiting would cap its throughput. Output
# that comes now and then is read at once.
GATHER_SECONDS = 0.002
GATHER_BYTES = PIPE_BYTES // 4  # a bigger read costs little per byte; waiting then could fill the pipe
# After the run's process exits, how long its output may stay quiet but
# open (held by a daemon it started) before recording stops.
OUTPUT_GRACE_SECONDS = 3.0
# A process told to stop (SIGTERM) by its batch is killed after this long.
STOP_GRACE_SECONDS = 5.0


@dataclass
class Outcome:
    """How a run's process ended, and the last value of each scalar it printed."""

    exit_status: int
    interrupted: bool
    scalars: dict[str, float] = field(default_factory=dict)  # last value of each

    @property
    def status(self) -> str:
        if self.interrupted or self.exit_status < 0:
            return "terminated"
        return "completed" if self.exit_status == 0 else "error"


class FlagsPipe:
    """Bytes for a child to read on a pipe of its own (op_main's
    `--flags-fd`): `fd` is the number the child reads, the same in it as here."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.fd, self._write_end = os.pipe()

    def send(self) -> None:
        """Once the child has started: write everything, then end of file."""
        os.close(self.fd)
        write_end, self.fd, self._write_end = self._write_end, -1, -1
        try:
            with open(write_end, "wb") as pipe:
                pipe.write(self.data)
        except BrokenPipeError:
            pass  # it died before reading: its exit status says why

    def close(self) -> None:
        """Close both ends; again is harmless (a number closed twice could
        by then be another file's)."""
        for fd in (self.fd, self._write_end):
            try:
                if fd >= 0:
                    os.close(fd)
            except OSError:
                pass
        self.fd = self._write_end = -1


def start(argv: list[str], cwd: str | os.PathLike[str], env: dict[str, str],
          flags: FlagsPipe | None = None, own_group: bool = False, send: bool = True) -> subprocess.Popen:  # fmt: skip
    """Start the process, its stdin ledger's own, its output piped here;
    `flags` is sent on its pipe once the process runs (with `send`; else
    the process waits for them, see executor/standby.py). With `own_group`,
    the process leads a process group of its own, which `capture` stops as
    a whole when asked: trials run side by side, out of reach of the
    terminal's Ctrl-C, are stopped through their batch. Such a process
    reads no terminal (one read from outside the terminal's foreground job
    would stop it for good): its stdin is then /dev/null.

    Every run's process goes through op_main, which has it killed when this
    process dies (a killed `ledger run` leaves no orphan computing in the
    dark): a command that is not a Python main is executed by `op_main
    --exec`, once it has asked for that signal."""
    command = argv
    if argv[2:3] != [OP_MAIN]:
        argv = [sys.executable, "-I", "-S", OP_MAIN, "--exec", *argv]
    env = {**env, OWNER_VARIABLE: str(os.getpid())}
    options: dict[str, Any] = {}
    if own_group:  # Python 3.10 has no process_group: a session of its own leads a group of its own too
        options = {"process_group": 0} if sys.version_info >= (3, 11) else {"start_new_session": True}
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL if own_group and os.isatty(0) else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(flags.fd,) if flags else (),
            **options,
        )
    except OSError as e:
        if flags:
            flags.close()
        raise LedgerError(f"cannot start {command[0]}: {e.strerror}; check the operation's main/exec") from None
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            _widen(pipe.fileno())
    if flags and send:
        flags.send()
    return proc


def _widen(fd: int) -> None:
    """Give a pipe PIPE_BYTES of room where the system allows it (Linux;
    over a user's pipe quota the pipe keeps its default size)."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass


def _widened(fd: int) -> bool:
    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) >= PIPE_BYTES
    except (AttributeError, OSError):
        return False


def capture(proc, sink: OutputSink, tee: bool = True, prefix: bytes | None = None,
            stop: threading.Event | None = None) -> Outcome:  # fmt: skip
    """Pump the process's output into `sink` (and the terminal) until it
    exits and its output ends, or stays quiet for OUTPUT_GRACE_SECONDS after
    it exits. Ctrl-C or SIGTERM is passed on to the process and reported.
    A sink with a `tick()` method has it called at least every
    TICK_SECONDS, output or not, so it can record what it holds. With a
    `prefix` (trials run side by side), the terminal gets whole lines, each
    after the prefix; the sink never sees it. Once `stop` is set (for a
    process started with `own_group`), its group gets SIGTERM, then SIGKILL
    after STOP_GRACE_SECONDS, and the process is reported interrupted."""
    interrupted = False
    tick = getattr(sink, "tick", None)
    stopping = _GroupStop(proc, stop) if stop is not None else None

    def on_term(signum, _frame):
        nonlocal interrupted
        interrupted = True
        _signal(proc, signum)

    # only the main thread may set handlers; trials run by --workers threads
    # are stopped through their batch
    in_main = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, on_term) if in_main else None
    # Ctrl-C as a flag, not a KeyboardInterrupt: raised between two
    # statements it could cut a chunk's append in half and lose its lines
    # (unless Ctrl-C is ignored, as for a job started in the background)
    catch_int = in_main and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    old_int = signal.signal(signal.SIGINT, on_term) if catch_int else None
    sel = selectors.DefaultSelector()
    outs = {proc.stdout.fileno(): (0, sys.stdout.buffer), proc.stderr.fileno(): (1, sys.stderr.buffer)}
    for fd in outs:
        sel.register(fd, selectors.EVENT_READ)
    shown: dict[int, list[bytes]] = {fd: [] for fd in outs}  # with a prefix: the line the terminal awaits the end of
    gathers = all(map(_widened, outs))
    quiet_since = ticked = read_at = time.monotonic()
    exited_at: float | None = None
    try:
        while sel.get_map():
            try:
                ready = sel.select(TICK_SECONDS)
            except KeyboardInterrupt:
                interrupted = True
                _signal(proc, signal.SIGINT)
                continue
            now = time.monotonic()
            if tick and (not ready or now - ticked >= TICK_SECONDS):
                ticked = now
                tick()
            if stopping is not None:
                interrupted = stopping.advance() or interrupted
            if not ready:
                if exited_at is None and proc.poll() is not None:
                    exited_at = time.monotonic()
                # quiet since it exited, not since its last output: a run that
                # printed nothing for minutes still gets its final read
                if exited_at is not None and _held_by_a_child(max(quiet_since, exited_at)):
                    break
            read = 0
            for key, _ in ready:
                fd = key.fd
                stream, term = outs[fd]
                data = os.read(fd, READ_BYTES)
                if not data:
                    sel.unregister(fd)
                    if tee and prefix is not None and shown[fd]:
                        to_terminal(term, prefix + b"".join(shown[fd]) + b"\n")
                    continue
                read += len(data)
                quiet_since = now
                if tee and prefix is None:
                    to_terminal(term, data)
                elif tee and prefix is not None:
                    _prefixed(term, prefix, shown[fd], data)
                sink(data, _ms(), stream)
            if read:
                if gathers and read < GATHER_BYTES and now - read_at < GATHER_SECONDS:  # more came right after
                    time.sleep(GATHER_SECONDS)
                read_at = time.monotonic()
        while True:
            try:
                code = proc.wait(TICK_SECONDS if stopping is not None else None)
                break
            except subprocess.TimeoutExpired:  # its output closed, the process not yet ended
                interrupted = stopping.advance() or interrupted  # type: ignore[union-attr]
            except KeyboardInterrupt:
                interrupted = True
                _signal(proc, signal.SIGINT)
    finally:
        sel.close()
        if in_main:
            signal.signal(signal.SIGTERM, old_term)
        if catch_int:
            signal.signal(signal.SIGINT, old_int)
        proc.stdout.close()
        proc.stderr.close()
    return Outcome(code, interrupted)


def to_terminal(stream, data) -> None:
    """Write to ledger's stdout or stderr, which may be a pipe whose reader
    is gone (`| tee` stopped by the same Ctrl-C): then that stream goes to
    /dev/null from here on, and the run is still recorded and ended."""
    try:
        stream.write(data)
        stream.flush()
    except (BrokenPipeError, ValueError):
        to_devnull(stream)


def _prefixed(term, prefix: bytes, unfinished: list[bytes], data: bytes) -> None:
    """Whole lines to the terminal, each after `prefix`; the end of an
    unfinished line waits in `unfinished` (pieces, joined once: linear)."""
    head, newline, tail = data.rpartition(b"\n")
    if not newline:
        unfinished.append(data)
        return
    text = b"".join(unfinished) + head
    unfinished[:] = [tail] if tail else []
    to_terminal(term, b"".join(prefix + line + b"\n" for line in text.split(b"\n")))


def _held_by_a_child(quiet_since: float) -> bool:
    """Whether to stop reading: the run's process has exited and, since
    then, its output stayed quiet for OUTPUT_GRACE_SECONDS, yet is still
    open, held by a process it started (a daemon that kept stdout). Said on
    the terminal."""
    if time.monotonic() - quiet_since < OUTPUT_GRACE_SECONDS:
        return False
    to_terminal(sys.stderr, f"ledger: the run's process exited, but a process it started still holds its output"
                            f" open; stopped recording after {OUTPUT_GRACE_SECONDS:g} s of quiet (that process keeps"
                            " running)\n")  # fmt: skip
    return True


class _GroupStop:
    """Stopping a process that leads its own group, a step a tick once
    `stop` is set: SIGTERM to the group at once, SIGKILL to what is left of
    it once STOP_GRACE_SECONDS have passed."""

    def __init__(self, proc, stop: threading.Event) -> None:
        self.proc = proc
        self.stop = stop
        self.since: float | None = None

    def advance(self) -> bool:
        """Whether the process is being stopped."""
        if not self.stop.is_set():
            return False
        if self.since is None:
            self.since = time.monotonic()
            _signal_group(self.proc, signal.SIGTERM)
        elif time.monotonic() - self.since >= STOP_GRACE_SECONDS:
            _signal_group(self.proc, signal.SIGKILL)
        return True


def _signal_group(proc, signum: int) -> None:
    """`signum` to the group the process leads: it and what it started. The
    group's id stays taken while any of them lives, so it names no other."""
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def stop(proc) -> int:
    """Kill a process ledger started and has not captured yet; its exit status."""
    _signal(proc, signal.SIGKILL)
    return proc.wait()


def _signal(proc, signum: int) -> None:
    try:
        proc.send_signal(signum)
    except ProcessLookupError:
        pass


def _ms() -> int:
    return time.time_ns() // 1_000_000
