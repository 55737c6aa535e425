"""Reader sessions: a reader's runs reuse that reader's own sandbox.

A successful run answers with a token; a request that sends it back runs in the same
sandbox if it still exists (the harness forks each run from a clean PID 1, so nothing of
the previous run is left), otherwise in a fresh one. A token is
``secrets.token_urlsafe`` (prefixed with ``<node>.`` when the ``node`` setting names
this host, for a proxy that routes on it), maps to exactly one sandbox, is never given
to another, and is forgotten with its sandbox: it cannot reach any other container.

Sessions end after ``session_idle`` seconds without a run, after ``session_max_age``,
when their container breaks or its image was rebuilt, and on shutdown; at most
``max_sessions`` live at once (the least recently used idle one makes room).
``max_sessions = 0`` turns sessions off.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from .config import Settings
from .executor import Sandbox

#: Bytes of randomness in a token (192 bits: not guessable, short enough for a URL).
TOKEN_BYTES = 24


@dataclass(eq=False)
class Session:
    token: str
    sandbox: Sandbox
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    busy: bool = True  # a run, or the cleanup after it, is in progress
    closed: bool = False  # ended: its token leads nowhere any more


class Sessions:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._live: OrderedDict[str, Session] = OrderedDict()  # least recently used first

    @property
    def enabled(self) -> bool:
        return self.settings.max_sessions > 0

    def new_token(self) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        return f"{self.settings.node}.{token}" if self.settings.node else token

    def find(self, token: str | None) -> Session | None:
        """The live session of ``token``; None for unknown, forged or ended tokens."""
        if not token or not isinstance(token, str):
            return None
        session = self._live.get(token)
        if session is None or session.closed or not session.sandbox.alive:
            return None
        return session

    def open(self, sandbox: Sandbox) -> tuple[Session | None, list[Session]]:
        """A new session for ``sandbox`` (busy: its first run is settling), and the idle
        sessions evicted to stay within ``max_sessions``. None when every live session
        is busy and no room can be made."""
        evicted = []
        while len(self._live) >= self.settings.max_sessions:
            victim = next((s for s in self._live.values() if not s.busy), None)
            if victim is None:
                return None, evicted
            self.close(victim)
            evicted.append(victim)
        session = Session(self.new_token(), sandbox)
        self._live[session.token] = session
        return session, evicted

    def touch(self, session: Session) -> None:
        session.last_used = time.monotonic()
        self._live.move_to_end(session.token)

    def close(self, session: Session) -> None:
        session.closed = True
        self._live.pop(session.token, None)

    def expired(self, image_id: str | None) -> list[Session]:
        """Idle sessions past their idle time or age, whose sandbox broke, or of an image
        the tag no longer names (rebuilt): closed."""
        now, s = time.monotonic(), self.settings
        ended = [x for x in self._live.values() if not x.busy and (
            now - x.last_used > s.session_idle or now - x.created > s.session_max_age
            or not x.sandbox.alive or x.sandbox.image_id != image_id)]
        for session in ended:
            self.close(session)
        return ended

    def all(self) -> list[Session]:
        return list(self._live.values())

    def sandboxes(self) -> set[Sandbox]:
        return {s.sandbox for s in self._live.values()}

    def stats(self) -> dict:
        busy = sum(s.busy for s in self._live.values())
        return {"live": len(self._live), "busy": busy, "idle": len(self._live) - busy,
                "max": self.settings.max_sessions, "idle_timeout": self.settings.session_idle,
                "max_age": self.settings.session_max_age}
