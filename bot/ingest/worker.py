"""Parses files in a separate process, so no file can hang, crash or exhaust the ingest.

The ingest sends a path; the process answers with its pages of clean text or a one-line reason. A file
that takes longer than ingest.parse_timeout gets its process killed (a new one starts for the next file);
a process that dies (a crash in a C parser, memory over ingest.parse_memory_mb) costs that file only.
Messages are length-prefixed JSON over stdin/stdout: `python -m bot.ingest.worker MEMORY_MB`.
"""
from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

_HEADER = struct.Struct(">Q")


def _send(stream, obj: dict) -> None:
    # "replace": a lone surrogate a parser let through (broken PDF text) becomes "?" instead of failing the file
    data = json.dumps(obj, ensure_ascii=False).encode("utf-8", "replace")
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _recv(stream) -> dict | None:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    return json.loads(stream.read(_HEADER.unpack(head)[0]).decode("utf-8"))


class Parser:
    """The parent's handle on the parsing process; `parse` raises ValueError with the reason to skip."""

    def __init__(self, timeout: float, memory_mb: int):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
        return subprocess.Popen([sys.executable, "-m", "bot.ingest.worker", str(self.memory_mb)], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def _read_exactly(self, n: int, deadline: float) -> bytes:
        fd, buf = self.proc.stdout.fileno(), bytearray()
        ready = select.poll()  # not select.select: it fails on descriptors numbered over 1023 (busy processes)
        ready.register(fd, select.POLLIN)
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not ready.poll(left * 1000):
                raise TimeoutError
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def parse(self, path: Path) -> dict:
        """{"pages": [[page, text], ...], "date": ...} for the file."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        deadline = time.monotonic() + self.timeout
        try:
            _send(self.proc.stdin, {"path": str(path)})
            size = _HEADER.unpack(self._read_exactly(_HEADER.size, deadline))[0]
            reply = json.loads(self._read_exactly(size, deadline).decode("utf-8"))
        except TimeoutError:
            self.close()
            raise ValueError(f"reading it took longer than {self.timeout:g} s (ingest.parse_timeout)") from None
        except (EOFError, BrokenPipeError, OSError):
            code = self.close()
            raise ValueError(f"the parser died on it (exit code {code}); too large or a broken file?") from None
        if reply.get("restart"):  # the process ends after this reply: wait for it, start anew next time
            self.close()
        if "error" in reply:
            raise ValueError(reply["error"])
        return reply

    def close(self) -> int | None:
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        return proc.wait()

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main() -> None:
    import resource

    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the replies
    from bot.ingest.readers import parse_file

    while (req := _recv(inp)) is not None:
        try:
            reply = parse_file(Path(req["path"])).to_json()
        except MemoryError:  # a decompression bomb, or just too big: the next file gets a clean process
            reply = {"error": "reading it needs more memory than ingest.parse_memory_mb allows", "restart": True}
        except RecursionError:
            reply = {"error": "its structure is nested too deeply to read"}
        except ValueError as exc:
            reply = {"error": str(exc).replace("\n", " ")}
        except Exception as exc:  # noqa: BLE001 - any parser failure is one skipped file
            reply = {"error": f"could not be read ({type(exc).__name__}: {str(exc)[:200]})".replace("\n", " ")}
        _send(out, reply)
        if reply.get("restart"):
            return


if __name__ == "__main__":
    main()
