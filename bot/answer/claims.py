"""Splits an answer into claims and attaches to each the [n] markers that cite it.

A claim is a sentence, or a clause where one sentence cites different sources for its parts ("Tokajew traf
Putin [1] und Macron [2]."). A sentence that only says where the preceding ones come from ("This is stated
in sources [2] and [3].", "This is stated in [1] and [2].") is no claim of its own: its markers cite the
uncited claims before it. A claim with no marker at all is an uncited claim.
"""
from __future__ import annotations

import re

from unidecode import unidecode

from bot.answer.citations import MARKER_RE, marker_numbers
from bot.answer.facts import extract
from bot.lang import detect_lang, fold, letter_words, sentences, stopwords
from bot.types import Claim

# The word "source" in the languages models are most often asked in: a sentence that is only a marker and
# this word ("Quelle: [1]", "zob. źródło [2]") points at sources rather than saying anything.
_SOURCE_WORDS = {fold(w) for w in ("source Quelle źródło źródeł źródła źródle źródłach kilde källa kilder "
                                    "fuente fonte bron источник источнике источниках").split()}
# Words that point at a text without the word "source" ("This is stated in [1] and [2].", "Det er basert på
# informasjonen fra [2] og [3].", "Dies wurde in den Artikeln [1] und [2] verknüpft.": 5 answers of the
# 1.5B model's 175), whole (folded to five letters, "stated" would be "state"): en, de, no, pl, es, fr, ru.
_POINTER_WORDS = {unidecode(w) for w in (
    "stated mentioned based article articles text texts information steht erwähnt genannt "
    "basiert beruht Artikel Artikeln Text Texten Information Informationen angegeben verknüpft beschrieben står "
    "nevnt nevnes basert artikkel artikkelen artiklene tekst teksten informasjon informasjonen oppgitt beskrevet "
    "podane podano wspomniane wspomniano oparte artykuł artykule artykułach artykuły tekście informacja "
    "informacje informacji wynika opisane indicado mencionado basado artículo texto información indiqué "
    "mentionné basé texte указано упоминается основано статье тексте информации").lower().split()}
_RUN_RE = re.compile(r"(?:\s*" + MARKER_RE.pattern + r")+")
# A quote right after a word for "title" names a source ("titled "Titelbild: ..."", "pod tytułem „...”").
_TITLE_RE = re.compile(r'(?i)\b(?:(?:en)?titled|title|titel|tittel\w*|tytu\w*|zatytu\w*|названием|titulad\w*'
                       r'|intitul\w*)\s*:?\s*(?:"[^"]*"|“[^”]*”|„[^“”]*[“”]|«[^»]*»)')
MIN_CLAUSE_WORDS = 3  # a shorter piece ("und Macron") reads as part of its neighbour, not a claim of its own


def numbers(text: str, n_sources: int | None = None) -> list[int]:
    """The source numbers of all markers in a text, in order, once each (those in 1..n_sources if given)."""
    out = [n for m in MARKER_RE.finditer(text) for n in marker_numbers(m.group(1))]
    return [n for n in dict.fromkeys(out) if n_sources is None or 1 <= n <= n_sources]


def plain(text: str) -> str:
    """A claim's text without its markers."""
    return " ".join(MARKER_RE.sub(" ", text).split()).replace(" .", ".").replace(" ,", ",")


def _content_words(text: str) -> list[str]:
    stop = stopwords()
    return [w for w in re.findall(r"[^\W\d_]+", plain(text)) if w.lower() not in stop and len(w) > 1]


def _points(word: str) -> bool:
    return fold(word) in _SOURCE_WORDS or unidecode(word.lower()) in _POINTER_WORDS


def is_citation_sentence(sent: str) -> bool:
    """Only markers, or markers plus "source" and at most three other words, with no number and no name.

    A quoted title ("in source [2] titled "…"") is the source's name, not a claim; any other quote is content.
    "source" is looked for among all the words: the stopword lists of 37 languages hold some ("quelle" is
    French). A name or a place makes it a claim ("Tokajew wurde wiedergewählt (Quelle [1]).").
    """
    text = _TITLE_RE.sub(" ", sent)
    if not MARKER_RE.search(text) or re.search(r"\d", plain(text)):
        return False
    words = _content_words(text)
    if not words:
        return True
    all_words = letter_words(plain(text))
    if not any(map(_points, all_words)) or len([w for w in words if not _points(w)]) > 3:
        return False
    rest = " ".join(w for w in all_words if not _points(w))
    facts = extract(rest, ("en",), claim=True, lang=detect_lang(plain(text)) or "en")  # names: rare words
    return not facts.names and not facts.places


_ABBREVIATION = re.compile(r"(?:^|[\s(])[^\W\d_]{1,4}\.$")  # "mln.", "ca.", "bzw.", "z.B.": a short word's stop


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences, where one that begins in lower case on the same line, after a short word's full
    stop, goes on the one before it: that stop ended an abbreviation ("106 mln. euro", "ca. 30"), not a
    sentence. Each is the answer's text as written, so a claim can be found in the answer again."""
    out: list[str] = []
    pos, end = 0, 0
    for sent in sentences(answer):
        at = answer.find(sent, pos)
        if at < 0:  # not expected: sentences() only strips what it splits on
            out.append(sent)
            continue
        gap = answer[end:at]
        if out and sent[:1].islower() and "\n" not in gap and _ABBREVIATION.search(out[-1]):
            out[-1] += gap + sent
        else:
            out.append(sent)
        pos = end = at + len(sent)
    return out


def _clauses(sent: str, n_sources: int | None) -> list[Claim]:
    """One claim per marked clause when the clauses cite different sources; otherwise the sentence."""
    runs = list(_RUN_RE.finditer(sent))
    pieces, start = [], 0
    for run in runs:
        pieces.append(sent[start:run.end()])
        start = run.end()
    if pieces:
        pieces[-1] += sent[start:]  # the full stop after the last marker
    cited = [numbers(p, n_sources) for p in pieces]
    if (len(pieces) > 1 and len({tuple(c) for c in cited}) > 1
            and all(len(plain(p).split()) >= MIN_CLAUSE_WORDS for p in pieces)):
        return [Claim(text=p.strip(), citations=c) for p, c in zip(pieces, cited)]
    return [Claim(text=sent.strip(), citations=numbers(sent, n_sources))]


def split_claims(answer: str, n_sources: int | None = None) -> list[Claim]:
    """The claims of an answer, each with the source numbers that cite it (only 1..n_sources when given)."""
    out: list[Claim] = []
    for sent in answer_sentences(answer):
        if not re.search(r"[^\W\d_]{2,}|\d", plain(sent)) and not MARKER_RE.search(sent):
            continue  # a lone dash or bullet
        if is_citation_sentence(sent):
            cited = numbers(sent, n_sources)
            uncited = []
            for claim in reversed(out):
                if claim.citations:
                    break
                uncited.append(claim)
            for claim in uncited or out[-1:]:
                claim.citations = list(dict.fromkeys(claim.citations + cited))
            continue
        out.extend(_clauses(sent, n_sources))
    return out


def all_unsupported(claims: list[Claim]) -> bool:
    """Every checked claim failed (and at least one was checked): the front ends say so above the answer."""
    checked = [c for c in claims if c.supported is not None]
    return bool(checked) and not any(c.supported for c in checked)


def uncited_beside_cited(claims: list[Claim]) -> list[Claim]:
    """The claims citing nothing in an answer whose cited claims were checked, which front ends mark: beside
    checked claims one would pass for checked. Only a claim of more than three words with something to check
    (a date, number, name or place, as for Claim.recite), about the world, counts: not a heading, table row,
    bold label, "I hope this helps!", "The sources do not say when." or "Note that the sources may be
    incomplete", nor the items of a cited lead-in ("… several topics [1]:"), which its citation covers, nor
    what follows the heading of the model's list of sources ("Sources:"). A
    claim the check found said by a given source (Claim.recite) is shown as that hint instead."""
    from bot.answer.refusal import is_refusal

    if not any(c.citations and c.supported is not None for c in claims):
        return []  # nothing checked (check off), or nothing cited: that answer has its one warning
    # the answer's language, not each line's: a bullet ("- Sicherheit") is too short to tell, and in English
    # a capitalised noun would read as a name
    lang = detect_lang(" ".join(plain(c.text) for c in claims)) or "en"
    out, in_list = [], False
    for c in claims:
        lead_in = plain(c.text).rstrip("*_ ").endswith(":")
        if lead_in and _names_sources(c.text) and len(plain(c.text).split()) <= 2:
            break  # "Sources:", "Quellen:": the model lists its sources, and its headers say nothing
        cited_lead_in = bool(c.citations) and lead_in
        in_list = cited_lead_in or (in_list and bool(_ITEM_RE.match(c.text)))
        if not (c.citations or c.recite or in_list or is_refusal(c.text)) and _says_something(c.text, lang):
            out.append(c)
    return out


# a heading, a table row, a lead-in ("Key facts:", "**Key facts:**"), a bold label of up to four words
_NO_CLAIM_RE = re.compile(r"^\s*(?:#|\|)|\|\s*$|:\W*$|^\W*(\*\*|__)\s*[^*_\s]+(?:\s+[^*_\s]+){0,3}\s*\1\W*$")
_ITEM_RE = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")  # a list item's bullet or number


def _names_sources(text: str) -> bool:
    """The word "source" in some language ("Quellen", "źródła"); not "information" or "text", which a claim
    about the world uses too ("information technology")."""
    return any(fold(w) in _SOURCE_WORDS for w in letter_words(plain(text)))


def _says_something(text: str, lang: str) -> bool:
    """More than three words with a fact to check, as for Claim.recite, about the world rather than the
    sources ("Bitte beachten Sie, dass die Quellen unvollständig sein können.")."""
    t = _ITEM_RE.sub("", plain(text))
    if _NO_CLAIM_RE.search(text) or len(t.split()) <= 3 or _names_sources(t):
        return False
    return extract(t, (lang, "en"), claim=True, lang=lang).has_checkable()
