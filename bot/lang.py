"""Language helpers every stage shares: language detection, sentence splitting and word folding.

They sit below ingest, retrieval and answering so that none of those has to import another sideways.
"""
from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

# Widely written languages only: on short questions the full model picks rare ones (English as Pidgin).
LANGUAGES = ("ar bg ca cs da de el en es et fa fi fr he hi hr hu id it ja kk ko lt lv nb nl nn no pl pt ro ru sk "
             "sl sr sv th tr uk vi zh").split()
_IDENTIFIER = None


def _identifier():
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import _load_identifier  # small and deterministic

        ident = _load_identifier()
        ident.set_languages([c for c in LANGUAGES if c in ident.nb_classes])
        _IDENTIFIER = ident
    return _IDENTIFIER


# Spellings that only one of Danish and Norwegian (Bokmål/Nynorsk) uses. The two share most written words,
# and on a short question the identifier's scores for them lie a point or two apart, so it guessed Danish for
# 5 of 42 Norwegian eval questions ("alliansen", "allierte", "Når skal ... avstemningen").
_DANISH = re.compile(r"\b(?:hvad|af|blev|bliver|mig|dig|sig|nogen|nogle|noget|efter|hvornår|havde|sagde|siger|fik|"
                     r"gik|mellem|nu|vores|hende|os|lidt|uge|været|nej)\b|sejr|præ|tion\b|nce(?:n|r|rne)?\b|værk|"
                     r"mød|øj|\bvej|rejs|afst|aftal|afhold|afgø|afslut|aflys|eret\b|erede\b|\bud(?:en|e|dan)?\b|gennem")
_NORWEGIAN = re.compile(r"\b(?:hva|av|ble|blir|meg|deg|seg|noen|noe|etter|hadde|sier|fikk|gikk|mellom|nå|vår|vårt|"
                        r"våre|oss|henne|litt|uke|vært|nei|ikkje|kva|kven|eg|ut|president\w*)\b|seier|sjon|"
                        r"nse(?:n|r|ne)?\b|verk|møt|øy|\bvei|reis|avst|avtal|avhold|avgj|avslut|avlys|erte?\b|kj|gj|^når\b")


def norwegian_or_danish(text: str) -> str:
    """ "no" or "da" by the spellings only one of them uses; a tie goes to Norwegian, since Danish text nearly
    always shows one of its own forms (hvad, af, blev, -tion, præ-, mød-) and a short question without any of
    them reads as either."""
    low = text.lower()
    return "da" if len(_DANISH.findall(low)) > len(_NORWEGIAN.findall(low)) else "no"


_LETTER_WORD_RE = re.compile(r"[^\W\d_]+")


def letter_words(text: str) -> list[str]:
    """The text's words that have letters: no numbers, no markers ("[1] 6 [2] 6" has none)."""
    return _LETTER_WORD_RE.findall(text)


def detect_lang(text: str) -> str | None:
    """ISO 639-1 code of the text's language (Norwegian as "no"), None when there is too little text."""
    if len(letter_words(text)) < 3:  # "[1] 6 [2] 6 [3] 6" is in no language
        return None
    code, _ = _identifier().classify(text[:5000])
    code = {"nb": "no", "nn": "no"}.get(code, code)
    return norwegian_or_danish(text[:5000]) if code in ("da", "no") else code


def question_lang(question: str) -> str:
    """The question's language code; English when it cannot be told (very short or no letters)."""
    if not re.search(r"[^\W\d_]{2,}", question):
        return "en"
    # padded to the 3 words with letters detect_lang needs: "Was geschah 2019?" is German, not too short
    padded = question if len(letter_words(question)) >= 3 else f"{question} {question} {question}"
    return detect_lang(padded) or "en"


# A sentence ends at . ! ? … — but not after an ordinal date ("am 10. April", "28. november") or a
# common abbreviation ("St. Petersburg", "Dr.", "Nr."), which would cut the date out of its sentence; nor
# when a text opens with the date ("29. November [1].", a small model's whole answer to "when?").
_SENT_RE = re.compile(r"(?<=[.!?…])(?<![\s(]\d\.)(?<![\s(]\d\d\.)(?<!^\d\.)(?<!^\d\d\.)"
                      r"(?<!\bSt\.)(?<!\bDr\.)(?<!\bNr\.)\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_RE.split(text) if s.strip()]


_WORD_RE = re.compile(r"\w+", re.U)
# Spelling differences between the Latin transliterations of the same (often Russian/Kazakh) names.
# j, y and i all stand for й/ы/и depending on the language (Jurij/Yuri, Tokajew/Tokayev, Paryż/Paris), so
# they fold to one letter (measured: bench/README.md). Cyrillic reaches here transliterated (unidecode), so
# the last five join the spellings that Latin-script languages and a transliteration give one name:
# Carolina = Karolina = Каролина, Philadelphia = Filadelfia, Thomas = Tomas, Варшава = Warszawa (measured on
# XQuAD's mixed-language paragraphs: bench/README.md).
_FOLDS = [("sch", "sh"), ("kh", "h"), ("ch", "h"), ("zh", "sh"), ("w", "v"), ("j", "y"), ("y", "i"), ("z", "s"),
          ("x", "ks"), ("sh", "s"), ("ph", "f"), ("th", "t"), ("c", "k"), ("q", "k")]
STEM = 5  # keep a word's first letters: a crude stemmer that works across inflecting languages


def fold(word: str) -> str:
    """A word folded for accents, transliteration and endings: Tokajew, Tokajev and Tokayev are one word."""
    w = unidecode(word.lower())
    for a, b in _FOLDS:
        w = w.replace(a, b)
    w = re.sub(r"(.)\1+", r"\1", w)  # Kassym = Kasym
    return w[:STEM]


# Words that negate what follows ("not in a runoff", "nicht in einer Stichwahl", "nie w drugiej turze"), in the
# languages prompts/refusals.toml speaks. Stopword lists hold them unmarked and CLDR has none, so they are listed.
NEGATIONS = frozenset("not no never nicht kein keine keinen keiner nie nigdy ikke ikkje aldri ne pas non jamais "
                      "ni nunca не нет никогда".split())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of every language the detector knows (stopwords-iso lists).

    Across languages they are false friends: English "for" is Norwegian "for", English "was" is German
    "was". Left in, a question's function words match a corpus language's, and a cross-lingual question
    is pulled to the documents written in its own language (measured: bench/README.md).
    """
    import stopwordsiso

    return frozenset().union(*(stopwordsiso.stopwords(lang) for lang in LANGUAGES if stopwordsiso.has_lang(lang)))


def terms(text: str) -> list[str]:
    """The folded content words of a text, then its numbers as written."""
    words = _WORD_RE.findall(text)
    stop = stopwords()
    return [fold(w) for w in words if len(w) > 2 and not w.isdigit() and w.lower() not in stop] + [
        w for w in words if w.isdigit()
    ]


# ISO 639-1: every two-letter language code (the 183 of the standard), for checking user-written language tags.
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it "
    "iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt "
    "my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu".split()
)
