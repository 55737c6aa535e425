"""Removing containers: at once, again later when the engine was away, and the leftovers
of a service that crashed (found by the ``livegallery.owner`` label)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

import aiodocker

from .executor import CALL_TIMEOUT, DOCKER_ERRORS, Sandbox, remove_container
from .hardening import LABEL, OWNER_LABEL

log = logging.getLogger(__name__)


class Reaper:
    def __init__(self, docker: aiodocker.Docker, owner: str):
        self.docker = docker
        self.owner = owner
        self._doomed: dict[str, object] = {}  # containers whose removal must be retried

    async def destroy(self, sandbox: Sandbox) -> None:
        """Kill and remove; if the engine cannot be reached, remember to retry."""
        try:
            await sandbox.destroy()
        except DOCKER_ERRORS as exc:
            log.warning("could not remove %s yet (%r); will retry", sandbox.id[:12], exc)
            self._doomed[sandbox.id] = sandbox.container

    async def retry(self) -> None:
        for container_id, container in list(self._doomed.items()):
            with contextlib.suppress(*DOCKER_ERRORS):
                await remove_container(container)
                del self._doomed[container_id]

    async def sweep(self, own: bool = False) -> int:
        """Remove containers left by a crashed service (or, with ``own``, by this one)."""
        async with asyncio.timeout(CALL_TIMEOUT):
            containers = await self.docker.containers.list(
                all=True, filters={"label": [LABEL]})
        removed = 0
        for container in containers:
            if self.is_leftover(container._container, own):
                with contextlib.suppress(*DOCKER_ERRORS):
                    await remove_container(container)
                    removed += 1
        if removed:
            log.info("removed %d leftover sandbox container(s)", removed)
        return removed

    def is_leftover(self, info: dict, own: bool) -> bool:
        owner = info.get("Labels", {}).get(OWNER_LABEL, "")
        if owner == self.owner:
            return own
        host, _, rest = owner.partition("/")
        pid = rest.partition("/")[0]
        if host == socket.gethostname() and pid.isdigit():
            return not _process_exists(int(pid))
        # Another machine's service may still use its running containers; exited ones
        # are leftovers whoever made them.
        return info.get("State") != "running"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
