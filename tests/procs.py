"""Start a server in a subprocess for a test, wait until it answers HTTP, and always stop it afterwards."""
from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Return once `url` answers with a status below 500; fail with the log's tail if the process dies first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[:4]} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {timeout:g} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start(cmd: list[str], log: Path, **popen) -> subprocess.Popen:
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **popen)


@contextmanager
def running(cmd: list[str], url: str, log: Path, timeout: float = 120, **popen):
    """`cmd` in a subprocess, writing to `log`; yields the process once `url` answers, stops it on exit."""
    proc = start(cmd, log, **popen)
    try:
        wait_http(url, proc, log, timeout)
        yield proc
    finally:
        stop(proc)
