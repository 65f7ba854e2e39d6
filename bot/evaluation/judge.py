"""LLM-as-judge served by Ollama: faithfulness to the cited passages and correctness against the gold answer."""
from __future__ import annotations

from bot.errors import BotError, LLMUnavailable
from bot.evaluation import metrics


def _prompt_file(settings, name: str) -> str:
    from bot.answer.prompt import prompts_dir

    # a custom prompts.dir written before the judge existed falls back to the shipped judge prompts
    for folder in (prompts_dir(settings.prompts.dir, settings.root), prompts_dir()):
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8").strip()
    raise BotError(f"prompt file {name} not found: reinstall the package or add it to prompts.dir")


class Judge:
    """Scores one answer at a time with eval.judge_model; a failed judgement is counted, never fatal."""

    def __init__(self, settings):
        from bot.backends.ollama import OllamaBackend

        self.model = settings.eval.judge_model
        llm = settings.llm.model_copy(update={"model": self.model, "temperature": 0.0, "max_tokens": 96})
        self.llm = OllamaBackend(settings.model_copy(update={"llm": llm}))
        ok, line = self.llm.status()
        if not ok:
            raise BotError(f"judge model: {line}; or clear eval.judge_model to run without the judge")
        self.templates = {n: _prompt_file(settings, f"judge_{n}.txt") for n in ("faithfulness", "correctness")}
        self.errors = 0

    def __call__(self, name: str, **fields) -> tuple[int | None, str]:
        prompt = self.templates[name].format(**fields)
        try:
            score, reason = metrics.parse_judge(self.llm.chat([{"role": "user", "content": prompt}]))
        except LLMUnavailable as exc:  # one failed judgement must not end a long run
            score, reason = None, f"judge failed: {exc}"
        if score is None:
            self.errors += 1
            reason = reason if reason.startswith("judge failed") else f"unreadable judge reply: {reason}"
        return score, reason
