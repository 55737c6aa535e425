"""Failures the service reports as non-200 answers, each with a stable ``kind``."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service cannot serve; becomes ``{"error": {"kind", "message"}}``."""

    status = 500
    kind = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"error": {"kind": self.kind, "message": self.message}}


class BadRequest(ServiceError):
    status, kind = 400, "bad_request"


class TooLarge(ServiceError):
    status, kind = 413, "too_large"


class Forbidden(ServiceError):
    status, kind = 403, "forbidden"


class Busy(ServiceError):
    status, kind = 429, "busy"

    def __init__(self, message: str, retry_after: int = 2):
        super().__init__(message)
        self.retry_after = retry_after


class DockerUnavailable(ServiceError):
    status, kind = 503, "docker_unavailable"


class SandboxUnavailable(ServiceError):
    status, kind = 503, "sandbox_unavailable"


class ImageMissing(ServiceError):
    status, kind = 503, "image_missing"


class SandboxFailed(Exception):
    """A sandbox broke before it took a run (it never ran user code): try another."""
