"""Pure scoring functions of the eval: retrieval hits, alias match, token F1, refusals, citations, percentiles."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

from bot.evaluation.answer_match import (REFUSAL_PATTERNS, alias_match, is_correct, is_refusal,  # noqa: F401
                                         normalize, strip_markers, token_f1, tokens)

# summary key -> the per-question score it averages (None values are left out of the mean)
MEAN_SCORES = {
    "retrieval.evidence_hit@1": "hit@1",
    "retrieval.evidence_hit@3": "hit@3",
    "retrieval.evidence_hit@5": "hit@5",
    "retrieval.mrr": "rr",
    "retrieval.doc_recall@5": "doc_recall@5",
    "answers.accuracy": "correct",
    "answers.alias_match": "alias_match",
    "answers.token_f1": "token_f1",
    "answers.refusal_accuracy": "refusal_correct",
    "answers.language": "in_language",
    "answers.language_as_generated": "in_language_generated",
    "answers.mixed_language": "mixed_language",
    "refusals.false_rate": "false_refusal",
    "refusals.hallucination_rate": "hallucinated",
    "refusals.unwarned_rate": "unwarned",
    "refusals.hallucination_rate_as_generated": "hallucinated_as_generated",
    "answers.withheld": "withheld",
    "citations.claim_recall": "claim_recall",
    "citations.claim_precision": "claim_precision",
    "citations.uncited_claims": "uncited_claims",
    "citations.claims_in_sources": "claims_in_sources",
    "citations.doc_precision": "citation_precision",
    "citations.cites_gold_doc": "cites_gold",
    "citations.uncited_answers": "uncited",
    "judge.faithfulness": "judge_faithfulness",
    "judge.correctness": "judge_correctness",
}
# first_token: from the question to the first text of the answer (retrieval included); check: the claim check;
# translate_answer: answers put into the question's language (only those); answer: all of it, first to last
STAGES = ("retrieve", "first_token", "generate", "translate_answer", "check", "answer")
LATENCY_SCORES = tuple(f"latency.{stage}_{p}" for stage in STAGES for p in ("p50", "p95"))
SCORE_NAMES = (*MEAN_SCORES, *LATENCY_SCORES)


# shares that describe a run, neither better nor worse when they move: no regression, no minimum
NEUTRAL_SCORES = frozenset({"answers.withheld"})


def lower_is_better(name: str) -> bool:
    return name.startswith(("latency.", "refusals.")) or name in ("citations.uncited_answers",
                                                                   "citations.uncited_claims",
                                                                   "answers.mixed_language")


def in_language(answer: str, lang: str) -> bool | None:
    """Whether the answer is written in `lang`; None when it is too short to tell (under 3 words)."""
    from bot.lang import detect_lang

    found = detect_lang(strip_markers(answer))
    return None if found is None else found == lang


def mixed_language(answer: str, lang: str, others: Iterable[str]) -> bool | None:
    """Whether an answer in `lang` holds a clause in another language of its sources (`others`): "Tokajew
    beibehaltet ... näre forsvars- und økonomiske bånd", which in_language counts as German. None when the
    answer as a whole is not in `lang` or too short to tell (in_language scores those)."""
    from bot.answer.retranslate import foreign_clause

    if not in_language(answer, lang):
        return None
    return foreign_clause(strip_markers(answer), lang, others) is not None


def contains_quote(text: str, quote: str) -> bool:
    """Whitespace-insensitive containment (line breaks and double spaces from cleaning do not matter)."""
    squash = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFC", s))  # noqa: E731
    q = squash(quote)
    return bool(q) and q in squash(text)


def evidence_rank(chunk_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved chunk that contains any evidence quote; None when none does."""
    for rank, text in enumerate(chunk_texts, start=1):
        if any(contains_quote(text, q) for q in evidence):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def doc_recall(retrieved_docs: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """Share of the gold documents that have a chunk among the top k."""
    top = set(retrieved_docs[:k])
    gold = set(gold_docs)
    return len(gold & top) / len(gold) if gold else 0.0


def citation_scores(cited: Sequence[tuple[str, str]], gold_docs: Sequence[str],
                    evidence: Sequence[str]) -> tuple[float | None, bool]:
    """(precision, cites a gold source) for the cited (doc_id, chunk text) pairs of one answer.

    A cited source is right when it comes from a gold document or its text contains an evidence quote.
    Precision is None when nothing is cited.
    """
    right = [doc in gold_docs or any(contains_quote(text, q) for q in evidence) for doc, text in cited]
    return (sum(right) / len(right) if right else None), any(right)


def claim_scores(claims: Sequence) -> dict[str, float | None]:
    """ALCE-style scores of one answer's checked claims (bot.types.Claim; eval/README.md defines them).

    claim_recall: supported claims / claims (an uncited claim is unsupported); claim_precision: precise
    citations / citations, a citation being precise when its claim is supported and it supports the claim
    alone or the claim's other citations do not without it; uncited_claims: claims with no citation / claims;
    claims_in_sources: claims that their citations or another given source supports (Claim.recite) / claims,
    so that claim_recall's misses split into wrong citations and what no source says. All None for an
    answer without claims.
    """
    if not claims:
        return {"claim_recall": None, "claim_precision": None, "uncited_claims": None, "claims_in_sources": None}
    cites = sum(len(c.citations) for c in claims)
    return {"claim_recall": sum(c.supported is True for c in claims) / len(claims),
            "claim_precision": sum(len(c.precise) for c in claims) / cites if cites else None,
            "uncited_claims": sum(not c.citations for c in claims) / len(claims),
            "claims_in_sources": sum(c.supported is True or c.recite is not None for c in claims) / len(claims)}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def aggregate(scores: Sequence[dict], timings: Sequence[dict] = ()) -> dict[str, float]:
    """Summary scores from per-question score dicts (and timings): only those that could be measured."""
    out = {}
    for name, key in MEAN_SCORES.items():
        value = mean(s.get(key) for s in scores)
        if value is not None:
            out[name] = value
    for stage in STAGES:
        vals = [t[f"{stage}_s"] for t in timings if t.get(f"{stage}_s") is not None]
        if vals:
            out[f"latency.{stage}_p50"] = percentile(vals, 50)
            out[f"latency.{stage}_p95"] = percentile(vals, 95)
    return out


def parse_judge(text: str) -> tuple[int | None, str]:
    """(0/1 score, one-line reason) from a judge's "SCORE: 1 / REASON: ..." reply; score None when unreadable."""
    m = re.search(r"score\W{0,3}([01])\b", text, re.I) or re.match(r"\W*([01])\b", text)
    reason = re.search(r"reason\W{0,3}(.+)", text, re.I)
    line = reason.group(1) if reason else next((x for x in text.splitlines() if x.strip() and not
                                                 re.match(r"\W*(score\W*)?[01]\W*$", x, re.I)), "")
    line = " ".join(line.split())
    return (int(m.group(1)) if m else None), (line[:197] + "…" if len(line) > 200 else line)
