"""Which image id the sandbox tag names now: an image rebuilt under the same tag is
picked up within ``image_check_interval`` and retires the containers of the old one."""

from __future__ import annotations

import asyncio
import logging
import time

import aiodocker

from .config import Settings
from .errors import ImageMissing, ServiceError
from .executor import CALL_TIMEOUT, DOCKER_ERRORS, docker_failure

log = logging.getLogger(__name__)


class ImageWatch:
    def __init__(self, docker: aiodocker.Docker, settings: Settings):
        self.docker = docker
        self.settings = settings
        self.image_id: str | None = None
        self.checked = 0.0

    def due(self) -> bool:
        waited = time.monotonic() - self.checked
        return self.image_id is None or waited >= self.settings.image_check_interval

    def forget_check(self) -> None:
        """Check at the next chance (the engine answers again)."""
        self.checked = 0.0

    async def check(self) -> bool:
        """Resolve the tag; True if the image id changed. Raises a ServiceError (image
        missing, engine unreachable) the pool keeps as its problem."""
        self.checked = time.monotonic()
        image = self.settings.image
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                info = await self.docker.images.inspect(image)
        except DOCKER_ERRORS as exc:
            if isinstance(exc, aiodocker.DockerError) and exc.status == 404:
                raise ImageMissing(f"The sandbox image {image} does not exist; build it "
                                   "with images/build.sh (or make image).") from exc
            failure = docker_failure(exc)
            if not isinstance(failure, ServiceError):
                failure = ServiceError(str(failure))
            raise failure from exc
        if info["Id"] == self.image_id:
            return False
        if self.image_id is not None:
            log.info("image %s changed: %s -> %s", image, self.image_id[:19], info["Id"][:19])
        self.image_id = info["Id"]
        return True
