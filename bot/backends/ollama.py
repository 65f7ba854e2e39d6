"""Chat through an Ollama server (the default provider): build, status and error lines with their fixes."""
from __future__ import annotations

from bot.backends.base import ChatBackend, sampling
from bot.errors import BotError, LLMUnavailable


class OllamaBackend(ChatBackend):
    """Ollama queues concurrent requests itself, so answers are not serialised here."""

    def _build(self):
        from llama_index.llms.ollama import Ollama

        cfg = self.settings.llm
        return Ollama(
            model=cfg.model,
            base_url=cfg.host,
            temperature=cfg.temperature,
            context_window=cfg.context_window,  # sent as options.num_ctx: Ollama's default would truncate
            request_timeout=cfg.request_timeout,
            # a penalty only when one is set: Ollama then applies the model's own (its Modelfile's, else none)
            additional_kwargs={"num_predict": cfg.max_tokens, **sampling(cfg)},
        )

    @property
    def name(self) -> str:
        return self.settings.llm.model

    def status(self, timeout: float = 3.0) -> tuple[bool, str]:
        """Cheap enough for a status bar: one GET of /api/tags."""
        import httpx

        host, model = self.settings.llm.host, self.settings.llm.model
        try:
            tags = httpx.get(f"{host}/api/tags", timeout=timeout).json()
        except (httpx.HTTPError, ValueError):
            return False, f"Ollama is not reachable at {host}: start it with `ollama serve` (or set OLLAMA_HOST)"
        models = tags.get("models", []) if isinstance(tags, dict) else []
        names = {m.get("name") for m in models} | {m.get("model") for m in models}
        if not names & {model, f"{model}:latest"}:
            return False, f"Ollama at {host} is running but model {model} is not pulled: run `ollama pull {model}`"
        return True, f"Ollama at {host} serves {model}"

    def explain(self, exc: BaseException) -> LLMUnavailable:
        import httpx

        cfg = self.settings.llm
        if isinstance(exc, BotError):
            return super().explain(exc)
        try:
            from ollama import ResponseError
        except ImportError:  # pragma: no cover - ollama comes with llama-index-llms-ollama
            ResponseError = ()
        if isinstance(exc, ResponseError):
            if exc.status_code == 404 or "not found" in str(exc).lower():
                return LLMUnavailable(f"Ollama model {cfg.model} is not pulled: run `ollama pull {cfg.model}`")
            if exc.status_code and exc.status_code > 0:
                return LLMUnavailable(f"Ollama answered error {exc.status_code}: {exc.error}")
            # status -1: an error line inside a stream that had already begun
            return LLMUnavailable(f"Ollama stopped with an error: {exc.error}")
        if isinstance(exc, httpx.TimeoutException):
            return LLMUnavailable(
                f"Ollama did not answer within {cfg.request_timeout:g}s: raise llm.request_timeout in the config "
                "or use a smaller model"
            )
        if isinstance(exc, (ConnectionError, httpx.ConnectError)):
            return LLMUnavailable(
                f"Ollama is not reachable at {cfg.host}: start it with `ollama serve` (or set OLLAMA_HOST)"
            )
        if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
            return LLMUnavailable(f"the connection to Ollama at {cfg.host} broke off: check that `ollama serve` "
                                  "is still running, then ask again")
        return super().explain(exc)
