"""The tree is the architecture: imports run one way between stages, and the provider stays in backends/."""
from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
# README, Layout: a module imports only from stages to its right (lower numbers)
RANK = {"apps": 8, "evaluation": 7, "core": 6, "documents": 6, "ingest": 5, "answer": 4, "retrieval": 3, "backends": 2,
        "lang": 1, "types": 0, "config": 0, "errors": 0}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "bot" else None


def _modules():
    for path in sorted(BOT.rglob("*.py")):
        rel = path.relative_to(BOT.parent).with_suffix("")
        name = ".".join(p for p in rel.parts if p != "__init__")
        yield name, path, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "bot"]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return [m for m in out if m.startswith("bot.")]


def test_imports_run_one_way():
    wrong = []
    for name, _, tree in _modules():
        here = _stage(name)
        if here is None:  # bot/__init__.py re-exports lazily from the top
            continue
        for target in _imports(tree):
            there = _stage(target)
            if there in RANK and here in RANK and RANK[there] > RANK[here]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_the_rule_catches_an_upward_import(tmp_path):
    # the check above must be able to fail: retrieval reaching up into answer is what it exists to stop
    tree = ast.parse("from bot.answer.prompt import Prompts\n")
    assert [t for t in _imports(tree) if RANK[_stage(t)] > RANK["retrieval"]] == ["bot.answer.prompt"]


def test_only_backends_read_the_llm_provider():
    readers = [name for name, path, _ in _modules()
               if "llm.provider" in path.read_text(encoding="utf-8") and _stage(name) not in ("backends", "config")]
    assert readers == []


def test_every_module_says_its_job_and_stays_small():
    missing, large = [], []
    for name, path, tree in _modules():
        if not ast.get_docstring(tree):
            missing.append(name)
        if len(path.read_text(encoding="utf-8").splitlines()) > 270:
            large.append(name)
    assert missing == [] and large == [], (missing, large)
