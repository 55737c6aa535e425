"""The sandbox's process structure: PID 1 serves runs, each in a fresh forked child.

PID 1 (the harness) imports the heavy modules once and never runs a reader's code. For
each request it forks a child that runs the cells; when the child ends (or the service
says ``stop``) PID 1 kills every other process of the sandbox, empties ``/tmp`` and the
System V IPC objects, and says ``ended``. The next run forks again from the same clean,
pre-imported PID 1, so nothing of one run can be seen by the next.

Why PID 1 cannot be touched by the runs:

* it is non-dumpable (``PR_SET_DUMPABLE 0``): without CAP_SYS_PTRACE no process may
  ptrace it or open ``/proc/1/mem``, ``/proc/1/fd`` or ``/proc/1/environ``;
* as the init of its PID namespace the kernel drops every signal from inside the
  namespace for which it has no handler, and it keeps none: it ignores every signal it
  can (gVisor does deliver them to init); only under gVisor, which lacks pidfds, a
  SIGCHLD handler just wakes its loop;
* a child's events reach the service through a pipe that PID 1 relays, with lines that
  start with ``!`` escaped: only PID 1 can write the ``!`` control lines, so a child
  cannot forge the end of its run.
"""

import collections
import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import time

#: Control lines (PID 1 only) start with this byte; the service trusts only these.
CONTROL = b"!"
OOM_CONTROL = "/sys/fs/cgroup/memory/memory.oom_control"
PR_SET_DUMPABLE = 4
IPC_RMID = 0


def harden_pid1():
    """No ptrace, no /proc/1/mem for the children; no signal a child could use."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    # Linux drops a signal to a namespace's init that has no handler, but gVisor's
    # Sentry delivers it (a child's SIGTERM ended PID 1 there): ignore them all outright.
    for signum in _CATCHABLE:
        with contextlib.suppress(OSError, ValueError):  # the C library's own signals
            _PYTHON_DISPOSITIONS[signum] = signal.getsignal(signum)
            signal.signal(signum, signal.SIG_IGN)
    ChildExit.setup()


#: Every signal a process may ignore (SIGKILL and SIGSTOP cannot be), but SIGCHLD:
#: ignoring it would make the kernel reap the children before PID 1 can wait for them.
_CATCHABLE = sorted(signal.valid_signals()
                    - {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD})
#: Python's own dispositions (SIGINT raises KeyboardInterrupt, SIGPIPE ignored, ...),
#: given back to each run's child.
_PYTHON_DISPOSITIONS = {}


def restore_signals():
    """In the run's child: the signal dispositions of a plain Python process."""
    for signum, disposition in _PYTHON_DISPOSITIONS.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(signum, disposition if disposition is not None else signal.SIG_DFL)


class ChildExit:
    """A file descriptor that turns readable when the run's child may have ended.

    A pidfd where the kernel has one. gVisor's Sentry (runtime runsc) has no
    pidfd_open, so there a SIGCHLD handler writes to a wake-up pipe instead. A child
    sending PID 1 a SIGCHLD of its own only wakes the loop: ``poll`` asks the kernel."""

    _wake_fd = None  # the read end of the SIGCHLD pipe, when pidfds are missing

    @classmethod
    def setup(cls):
        try:
            os.close(os.pidfd_open(os.getpid()))
        except OSError:
            read_fd, write_fd = os.pipe()
            os.set_blocking(read_fd, False)
            os.set_blocking(write_fd, False)
            signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler: it is delivered
            signal.set_wakeup_fd(write_fd)
            cls._wake_fd = read_fd

    @classmethod
    def in_child(cls):
        """The forked child gets the default SIGCHLD and no wake-up pipe."""
        if cls._wake_fd is not None:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)

    def __init__(self, pid):
        self.pid = pid
        self.fd = self._wake_fd if self._wake_fd is not None else os.pidfd_open(pid)

    def poll(self):
        """The child's wait status once it has ended, else None."""
        if self.fd == self._wake_fd:
            with contextlib.suppress(BlockingIOError):
                while os.read(self.fd, 512):
                    pass
            done, status = os.waitpid(self.pid, os.WNOHANG)
            return status if done else None
        return os.waitpid(self.pid, 0)[1]

    def close(self):
        if self.fd != self._wake_fd:
            os.close(self.fd)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class LineReader:
    """Lines from a raw fd, usable together with select (no hidden buffering)."""

    def __init__(self, fd):
        self.fd = fd
        self.partial = b""
        self.lines = collections.deque()
        self.eof = False

    def fill(self):
        """Read what is there (call when select says readable)."""
        data = os.read(self.fd, 65536)
        self.eof = not data
        *complete, self.partial = (self.partial + data).split(b"\n")
        self.lines.extend(complete)

    def take_stop(self):
        """Remove the stop lines read so far; True if there was one. Other lines (the
        next request) stay for readline."""
        kept = [line for line in self.lines if not _is_stop(line)]
        found = len(kept) != len(self.lines)
        self.lines = collections.deque(kept)
        return found

    def readline(self):
        """Block until a line (None at EOF)."""
        while not self.lines:
            if self.eof:
                return None
            self.fill()
        return self.lines.popleft()


class Relay:
    """Forwards a child's event bytes to the protocol fd; child lines cannot pass as
    control lines (a leading ``!`` gets a space in front)."""

    def __init__(self, out_fd):
        self.out_fd = out_fd
        self.at_line_start = True

    def forward(self, data):
        parts = data.split(b"\n")
        for i, part in enumerate(parts):
            if (i > 0 or self.at_line_start) and part.startswith(CONTROL):
                parts[i] = b" " + part
        self.at_line_start = data.endswith(b"\n")
        write_all(self.out_fd, b"\n".join(parts))


def oom_kills():
    """How many processes the cgroup's OOM killer has killed so far (None: unknown)."""
    try:
        with open(OOM_CONTROL) as f:
            for line in f:
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        pass
    return None


def kill_all_but_me():
    """Kill every other process of the namespace (kill(-1) spares PID 1) and reap them:
    orphans are re-parented to PID 1, so no child left means no process left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break


def empty_dir(path):
    """Remove everything inside ``path``, whatever modes a run gave it."""
    def retry_writable(func, target, _exc):
        os.chmod(os.path.dirname(target) or path, 0o700)
        if os.path.isdir(target) and not os.path.islink(target):
            os.chmod(target, 0o700)
        func(target)

    for entry in list(os.scandir(path)):
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                shutil.rmtree(entry.path, onerror=retry_writable)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass


def can_clean_ipc():
    """Whether what outlives a run's processes can be found and removed here: System V
    IPC is listed in /proc/sysvipc, and POSIX message queues (which cannot be listed
    without an mqueue mount) are refused by the msgqueue ulimit. gVisor has neither, so
    there every sandbox serves one run (its harness says it is not reusable)."""
    if not all(os.path.exists(f"/proc/sysvipc/{kind}") for kind in ("shm", "msg", "sem")):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    name = b"/livegallery-probe"
    queue = libc.mq_open(name, 0o100 | 0o200 | 2, 0o600, None)  # O_CREAT|O_EXCL|O_RDWR
    if queue == -1:
        return True
    libc.mq_close(queue)
    libc.mq_unlink(name)
    return False


def remove_sysv_ipc():
    """Shared memory, message queues and semaphores outlive processes: remove them."""
    libc = ctypes.CDLL(None, use_errno=True)
    calls = {"shm": lambda i: libc.shmctl(i, IPC_RMID, None),
             "msg": lambda i: libc.msgctl(i, IPC_RMID, None),
             "sem": lambda i: libc.semctl(i, 0, IPC_RMID, 0)}
    for kind, remove in calls.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 1:
                remove(int(fields[1]))  # the id column


class Outcome:
    def __init__(self):
        self.status = None  # os.waitpid status of the run's child
        self.stopped = False
        self.memory = False
        self.cleanup_ms = 0.0  # emptying /tmp and restoring it (for benchmarks)

    def as_event(self):
        event = {"type": "ended", "stopped": self.stopped, "memory": self.memory,
                 "cleanup_ms": self.cleanup_ms}
        if self.status is not None and os.WIFSIGNALED(self.status):
            event["signal"] = os.WTERMSIG(self.status)
        elif self.status is not None:
            event["code"] = os.WEXITSTATUS(self.status)
        return event


def supervise(pid, child_exit, relay_fd, relay, requests):
    """Relay the child's events until it exits; a ``stop`` line kills it.

    Returns the Outcome, or None when the service closed stdin (time to exit)."""
    outcome = Outcome()
    watch = [child_exit.fd, relay_fd, requests.fd]
    while outcome.status is None:
        ready = select.select(watch, [], [])[0]
        if relay_fd in ready:
            data = os.read(relay_fd, 65536)
            if data:
                relay.forward(data)
            else:
                watch.remove(relay_fd)
        if requests.fd in ready:
            requests.fill()
            if requests.eof:
                watch.remove(requests.fd)
                os.kill(pid, signal.SIGKILL)
                outcome.stopped = None
            if requests.take_stop() and not outcome.stopped:
                os.kill(pid, signal.SIGKILL)
                outcome.stopped = True
        if child_exit.fd in ready:
            outcome.status = child_exit.poll()
    kill_all_but_me()
    while data := os.read(relay_fd, 65536):  # every writer is dead: drain to EOF
        relay.forward(data)
    return outcome


def serve_one(run_child, requests, out_fd, after_cleanup):
    """Fork a child that calls ``run_child(event_fd)`` and never returns; supervise it;
    clean up; write the ``ended`` control line. False when the sandbox should exit."""
    kills_before = oom_kills()
    relay_r, relay_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(relay_r)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)  # the request channel stays PID 1's alone
            os.close(null)
            ChildExit.in_child()
            restore_signals()
            ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
            run_child(relay_w)
        finally:
            os._exit(70)
    os.close(relay_w)
    child_exit = ChildExit(pid)
    try:
        outcome = supervise(pid, child_exit, relay_r, Relay(out_fd), requests)
    finally:
        child_exit.close()
        os.close(relay_r)
    kills_after = oom_kills()
    killed = outcome.status is not None and os.WIFSIGNALED(outcome.status) \
        and os.WTERMSIG(outcome.status) == signal.SIGKILL
    if killed and not outcome.stopped:
        # SIGKILL that PID 1 did not send: the cgroup's OOM killer (its count says so).
        outcome.memory = kills_before is None or kills_after != kills_before
    # Not caught: a sandbox that cannot be cleaned must die (the service then ends the
    # session) rather than serve another run.
    cleanup_started = time.perf_counter()
    empty_dir(os.environ.get("TMPDIR", "/tmp"))
    remove_sysv_ipc()
    after_cleanup()
    outcome.cleanup_ms = round((time.perf_counter() - cleanup_started) * 1000, 1)
    if outcome.stopped is None:  # stdin closed: the service is done with us
        return False
    write_all(out_fd, CONTROL + json.dumps(outcome.as_event()).encode() + b"\n")
    return True


def _is_stop(line):
    try:
        return json.loads(line).get("type") == "stop"
    except (ValueError, AttributeError):
        return False
