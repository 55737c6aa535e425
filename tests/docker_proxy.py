"""A pass-through proxy to the Docker socket that a test can cut and restore: the
service sees its engine vanish and come back, while the real engine (and every other
container) is left alone."""

from __future__ import annotations

import asyncio
import threading

ENGINE_SOCKET = "/var/run/docker.sock"


class DockerProxy:
    def __init__(self, path: str):
        self.path = path
        self.url = f"unix://{path}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        """Refuse new connections and cut every open one (attaches included)."""
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _start(self):
        self._server = await asyncio.start_unix_server(self._serve, self.path)

    async def _stop(self):
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        import os
        if os.path.exists(self.path):
            os.unlink(self.path)

    async def _serve(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(ENGINE_SOCKET)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
