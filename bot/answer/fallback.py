"""A fallback that never misleads (issue 14): a note with the sources' own sentences where an answer fails.

Four cases, looked at after the answer is generated and its claims checked:
- the model refused ("The sources don't say.") although the best passage scored very high: the refusal stays,
  and a note adds the sentences of the sources closest to the question, so the user can judge;
- none of the checked claims is supported and they give a number or date that no source given holds
  (`answer.withhold_unfounded`): the answer is made up, so the bot refuses in its place, and the note names
  what was invented and shows the sources' closest sentences (the model's text stays in the trace);
- none of the checked claims is supported otherwise: the warning says so, and the same note shows the
  sources' closest sentences beside the answer (a checker's miss there costs a right answer: eval/README.md);
- the question asks how long, how many or in what year and the answer gives no time, date or number
  (`answer.withhold_unanswered`, bot/answer/asks.py): it does not answer, supported or not, so the refusal
  takes its place with the same note.
The note is the bot's, not the model's: it travels as Answer.fallback (quoted sentences in the sources' words,
each cited [n]), apart from `answer`, so what the eval scores is the model's text (or, withheld, the refusal
that the user saw in its place). "Very high" is two figures measured on eval/qa.jsonl
(bench/fallback_threshold.py, eval/README.md): the best passage's fused retrieval score and the closest
sentence's similarity to the question (e5 cosine, as the claim check uses).
"""
from __future__ import annotations

import re

from bot.answer.again import only_markers, restates
from bot.answer.asks import asks_for_time_or_amount, gives_time_or_amount
from bot.answer.claims import all_unsupported, plain
from bot.answer.refusal import is_refusal
from bot.types import Citation, Fallback, Source

REFUSAL_HEAD = ("Note: no answer was generated, but these sentences of the sources match the question closely; "
                "judge for yourself:")
UNSUPPORTED_HEAD = "Note: the sources do not support this answer. Their sentences closest to the question:"
UNSUPPORTED_WARNING = ("none of the answer's claims is supported by the sources it cites; the note shows the "
                       "sources' sentences closest to the question")
WITHHELD_HEAD = ("Note: the model's answer gave {facts}, which none of the sources holds, so it was withdrawn. "
                 "The sources' sentences closest to the question:")
WITHHELD_WARNING = "the model's answer was withdrawn: it gave {facts}, which none of the sources holds"
UNANSWERED_HEAD = ("Note: the model's answer gave no time, date or number, which the question asks for, so it was "
                   "withdrawn. The sources' sentences closest to the question:")
UNANSWERED_WARNING = "the model's answer was withdrawn: it gave no time, date or number, which the question asks for"
UNCITED_WARNING = "the answer cites no source, so none of its claims could be checked against the sources"
EMPTY_WARNING = "the model's answer is source numbers only: it is no answer"
RESTATES_WARNING = "the answer only restates the question: it says nothing the question did not"
NEAR = 0.03  # a further sentence is quoted only this close to the best one: the next is mostly off the question


def _key(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def closest_sentences(question: str, lang: str, sources: list[Source], vectors, k: int) -> list[tuple[float, int, str]]:
    """Up to k sentences of the sources closest to the question, best first: (similarity, n, sentence).

    `vectors` is bot.answer.support.Vectors; n numbers the sources from 1. A sentence after the first is kept
    only within NEAR of it, one an earlier one repeats (chunks overlap) is left out, and the "…" around a
    shortened source's sentences is not quoted.
    """
    if not sources or k < 1:
        return []
    q = vectors.claims([question], lang)[0]
    embedded = vectors.passages(sources)
    ranked = []
    for n, s in enumerate(sources, start=1):
        sents, vecs = embedded.get(s.chunk_id, ([], None))
        if len(sents):
            ranked += [(float(sim), -n, x) for x, sim in zip(sents, (vecs @ q).tolist())]
    out, seen = [], set()
    for sim, n, x in sorted(ranked, reverse=True):
        quote = x.strip().strip("…").strip()
        if out and sim < out[0][0] - NEAR:
            break
        if quote and _key(quote) not in seen:
            seen.add(_key(quote))
            out.append((sim, -n, quote))
        if len(out) == k:
            break
    return out


_HEADS = {"refused": REFUSAL_HEAD, "unsupported": UNSUPPORTED_HEAD, "withheld": WITHHELD_HEAD,
          "unanswered": UNANSWERED_HEAD}
_WARNINGS = {"unsupported": UNSUPPORTED_WARNING, "withheld": WITHHELD_WARNING, "unanswered": UNANSWERED_WARNING,
             "uncited": UNCITED_WARNING, "empty": EMPTY_WARNING, "restates": RESTATES_WARNING}


def _head(prompts, kind: str, lang: str, facts: str = "") -> str:
    """The note's first line in the question's language (prompts/refusals.toml), else English."""
    return (prompts.note(kind, lang) or _HEADS[kind]).replace("{facts}", facts)


def _warning(prompts, kind: str, lang: str, facts: str = "") -> str:
    """The warning line in the question's language (prompts/refusals.toml), else English."""
    return (prompts.warning(kind, lang) or _WARNINGS[kind]).replace("{facts}", facts)


def evidence_at_hand(cfg, question: str, lang: str, retrieved: list[Source], given: list[Source], vectors) -> bool:
    """The best passage scores very high (answer.fallback_min_score) and a sentence of the sources given is that
    close to the question (fallback_min_similarity): a refusal then gets the note below, and first a second
    try (answer.retry_refusals). `vectors` makes the Vectors. On the seeds' 27 unanswerable questions it
    holds for none (eval/README.md)."""
    if not given or max((s.score for s in retrieved), default=float("-inf")) < cfg.fallback_min_score:
        return False
    quotes = closest_sentences(question, lang, given, vectors(), 1)
    return bool(quotes) and quotes[0][0] >= cfg.fallback_min_similarity


def fallback_note(cfg, text: str, claims, question: str, lang: str, retrieved: list[Source], given: list[Source],
                  prompts, vectors) -> Fallback | None:
    """The note for a generated answer, or None. cfg is Settings.answer; `prompts` the Prompts, for the
    refusal phrases and the note's and warning's words in the question's language; `vectors` makes the
    Vectors, only when a note may be needed."""
    if not given:
        return None
    refusals = list(prompts.refusals.values())
    # an answer of source numbers only ("[1] [2] [3]", 2 of 27 unanswerable questions with the 1.5B model) says
    # no more than a refusal: the same note, if a passage matches the question that closely. One of numbers
    # ("[1] 1 [2] 1" to "how many journalists", q208) is an answer, and withheld if they are made up.
    refused = is_refusal(text, refusals) or only_markers(text)
    # with the claim check off nothing is withdrawn: the user asked for answers as they come
    off = (not refused and cfg.check_claims and cfg.withhold_unanswered and asks_for_time_or_amount(question)
           and not gives_time_or_amount(text, tuple(dict.fromkeys([lang, *(s.lang for s in given if s.lang)]))))
    if not refused and not off and not all_unsupported(claims):
        return None
    score = max((s.score for s in retrieved), default=float("-inf"))
    made_up = [] if refused or off or not cfg.withhold_unfounded else unfounded(claims)
    # withholding has its own switch: an answer taken away always says why, answer.fallback or not
    if not (made_up or off) and (not cfg.fallback or refused and score < cfg.fallback_min_score):
        return None
    quotes = closest_sentences(question, lang, given, vectors(), cfg.fallback_sentences)
    if off or made_up:
        kind, facts = ("unanswered", "") if off else ("withheld", ", ".join(made_up))
        return Fallback(kind, _head(prompts, kind, lang, facts), _cites(quotes, given), score,
                        quotes[0][0] if quotes else 0.0, _warning(prompts, kind, lang, facts))
    if not quotes or (refused and quotes[0][0] < cfg.fallback_min_similarity):
        return None
    if refused:
        return Fallback("refusal", _head(prompts, "refused", lang), _cites(quotes, given), score, quotes[0][0])
    return Fallback("unsupported", _head(prompts, "unsupported", lang), _cites(quotes, given), score,
                    quotes[0][0], _warning(prompts, "unsupported", lang))


def _cites(quotes: list[tuple[float, int, str]], given: list[Source]) -> list[Citation]:
    return [Citation(n=n, doc_id=given[n - 1].doc_id, chunk_id=given[n - 1].chunk_id, quote=q,
                     title=given[n - 1].title, date=given[n - 1].date, page=given[n - 1].page) for _, n, q in quotes]


def unfounded(claims) -> list[str]:
    """The numbers and dates an answer gives that neither a source given to the model nor the question holds
    (Claim.unfounded), when none of its checked claims is supported: the answer is made up ("Tokayev is 52
    years old [1][2]", "17 million", "1,400 kilometres" to questions the sources cannot answer). A number
    found in some source but not the cited one is no sign of invention (the model cited the wrong source),
    nor is a name: the name check misses declined and sentence-initial words too often to take an answer
    away for it. Nor is a count spelt out: "the relationship between the two countries", in a right answer's
    closing sentence about its sources (q126 of a run), took that answer away for "2"; the made-up figures
    of the runs are all written in digits."""
    if not all_unsupported(claims):
        return []
    return list(dict.fromkeys(x for c in claims if c.supported is False for x in c.unfounded
                              if not _spelt(x, c.text)))


def _spelt(x: str, text: str) -> bool:
    """A bare number (no month) that the claim does not write in digits: it spells it ("two", "zwei")."""
    return x.replace(",", "").replace(".", "").isdigit() and not re.search(
        rf"(?<![\d.,]){re.escape(x)}(?!\d)", plain(text))


def unchecked_warning(text: str, claims, prompts, lang: str, question: str = "") -> str | None:
    """A warning for a generated answer the claim check could not look at: one that claims something and
    cites nothing, one of source numbers only, or one that only restates the `question` (its claims may
    well be supported: they repeat what it asks). Without it such an answer would show no sign of being
    unverified (or of being no answer). In the question's language, as the note is."""
    if only_markers(text):
        return _warning(prompts, "empty", lang)
    if question and restates(text, question, lang, prompts.refusals.values()):
        return _warning(prompts, "restates", lang)
    if is_refusal(text, list(prompts.refusals.values())) or not claims:
        return None
    return None if any(c.citations for c in claims) else _warning(prompts, "uncited", lang)
