"""Citation tests: markers normalised and filtered, resolved to the right sources, quotes chosen by shared names."""
import pytest

from bot.answer.citations import MarkerStream, clean_markers, cite, supporting_sentence
from bot.lang import sentences
from bot.types import Source

NUKE = ("Wladimir Putin traf am 8. November unerwartet in Kasachstan ein. Der russische und der kasachische "
        "Präsident diskutierten den Bau eines Atomkraftwerks. Daher wird die Frage gestellt ein Referendum.")
ASTANA = ("Astana, 10. April, AZERTAC. Ilham Aliyev und Kassym-Jomart Tokayev haben sich am Montag in Astana "
          "getroffen. Bei dem Treffen wurden Fragen der Zusammenarbeit im Bereich Medien erörtert.")
PARIS = "In Paris wird Tokajew Gespräche mit Emmanuel Macron führen. Der Präsident trifft auch Unternehmer."


def src(rank: int, text: str, doc: str) -> Source:
    return Source(rank=rank, score=1.0 / rank, doc_id=doc, chunk_id=f"{doc}#c{rank}", text=text,
                  title=f"title {doc}", date="2023-04", lang="de")


SOURCES = [src(1, NUKE, "004.txt"), src(2, ASTANA, "003.txt"), src(3, PARIS, "000.txt")]


@pytest.mark.parametrize("raw,n,expected", [
    ("Putin came [1, 2].", 5, "Putin came [1][2]."),          # a list becomes adjacent markers
    ("Putin came [1; 3].", 5, "Putin came [1][3]."),
    ("Putin came [7].", 5, "Putin came."),                      # no source 7: the marker and its space go
    ("Putin came [7] and left [2].", 5, "Putin came and left [2]."),
    ("Both met [2-3].", 5, "Both met [2][3]."),                 # a range is spelled out
    ("Both met [2–4].", 5, "Both met [2][3][4]."),              # en dash, as LLMs often write it
    ("Both met [3-9].", 5, "Both met [3][4][5]."),              # a range is clipped to the sources there are
    ("Twice [1, 1][0].", 5, "Twice [1]."),                      # duplicates merged, [0] is never a source
    ("No markers at all.", 5, "No markers at all."),
])
def test_clean_markers_known_answers(raw, n, expected):
    assert clean_markers(raw, n) == expected


def test_a_bogus_marker_appears_neither_in_the_answer_nor_in_citations():
    raw = "Putin kam am 8. November [1][9]. Aliyev traf Tokayev in Astana [2, 9]. Macron wartet [9]."
    text = clean_markers(raw, len(SOURCES))
    assert "[9]" not in text and "9]" not in text
    assert text == "Putin kam am 8. November [1]. Aliyev traf Tokayev in Astana [2]. Macron wartet."
    cites = cite(text, SOURCES)
    assert [c.n for c in cites] == [1, 2]
    # cite alone also ignores numbers that point nowhere, even before cleaning
    assert [c.n for c in cite(raw, SOURCES)] == [1, 2]


def test_resolve_maps_each_marker_to_its_source_in_order_of_first_use():
    text = "Sie sprachen über Medien [2]. Es ging um ein Atomkraftwerk [1]. Und wieder Medien [2]."
    cites = cite(text, SOURCES)
    assert [c.n for c in cites] == [2, 1]
    assert [(c.doc_id, c.chunk_id) for c in cites] == [("003.txt", "003.txt#c2"), ("004.txt", "004.txt#c1")]
    assert cites[0].title == "title 003.txt" and cites[0].date == "2023-04"
    assert cite("Keine Quelle genannt.", SOURCES) == []


def test_each_citation_quotes_the_source_sentence_that_shares_the_names():
    """The claim names Aliyev, Tokajew (folded = Tokayev) and Astana: only the second ASTANA sentence has all three."""
    cites = cite("Alijew i Tokajew spotkali się w Astanie [2].", SOURCES)
    assert cites[0].quote == "Ilham Aliyev und Kassym-Jomart Tokayev haben sich am Montag in Astana getroffen."


def test_supporting_sentence_picks_the_sentence_with_the_shared_words():
    """"Atomkraftwerk" folds to "atomk", present only in the second NUKE sentence."""
    assert supporting_sentence("They discussed building an Atomkraftwerk [1].", NUKE) == (
        "Der russische und der kasachische Präsident diskutierten den Bau eines Atomkraftwerks.")
    assert supporting_sentence("Macron", PARIS) == "In Paris wird Tokajew Gespräche mit Emmanuel Macron führen."
    # nothing in common: still a sentence of the source, never an empty quote
    assert supporting_sentence("zzz qqq", PARIS) in sentences(PARIS)



def test_a_cut_sources_ellipsis_is_never_the_quote():
    """A source cut to its best sentences starts and ends with "…" (context.py), which the sentence splitter
    makes a sentence of its own. With no words in common that mark came first and was quoted as "…"; the
    quote must be a real sentence, without the mark on its ends."""
    cut = "… Der Besuch dauerte zwei Tage. … Tokajew traf Putin in Moskau. …"
    assert supporting_sentence("zzz qqq", cut) == "Der Besuch dauerte zwei Tage."
    assert supporting_sentence("Putin Moskau", cut) == "Tokajew traf Putin in Moskau."

def test_sentences_split_on_end_punctuation_and_newlines():
    assert sentences("Eins. Zwei!\nDrei?  Vier") == ["Eins.", "Zwei!", "Drei?", "Vier"]


def test_passages_answer_quotes_the_sentence_matching_the_question_not_the_title():
    """In a passages-only answer the marker's sentence is the passage's own first sentence (here the title),
    so matching it just repeats that. With the question as the claim, the sentence naming Nazarbayev wins:
    "Nazarbajew" folds to "nasar" like the question's "Nazarbayev", and no other sentence has it."""
    text = ("Tokajew in Moskau.\nEr traf Putin am Mittwoch in Moskau.\n"
            "Sein Vorgänger Nazarbajew war im März zurückgetreten.")
    sources = [src(1, text, "a.txt")]
    answer = f"[1] {text}"
    assert cite(answer, sources)[0].quote == "Tokajew in Moskau."
    quote = cite(answer, sources, claim="When did Nazarbayev step down?")[0].quote
    assert quote == "Sein Vorgänger Nazarbajew war im März zurückgetreten."


def test_sentences_keep_ordinal_dates_and_abbreviations_whole():
    """German and Norwegian write dates as "10. April": a split there would cut the date off its sentence
    (and out of its sentence vector). A year like "2021." still ends a sentence."""
    text = "Astana, 10. April, AZERTAC. Am 28. November reist er. Rede in St. Petersburg. Wachstum 2021. Neu."
    assert sentences(text) == ["Astana, 10. April, AZERTAC.", "Am 28. November reist er.",
                               "Rede in St. Petersburg.", "Wachstum 2021.", "Neu."]


def test_streamed_markers_end_as_the_whole_answer_does():
    """However the LLM cuts its reply into pieces, the streamed text is clean_markers of the whole: a marker to
    no source is never shown, not even for a moment, and the space before it goes with it."""
    import random

    pieces = ["Putin", " ", "[", "9", "]", ".", " Er [2,", " 7]", " sprach", "  [1-3]", "\n", "[", "x]", " Ende [4"]
    rng = random.Random(7)
    for trial in range(3000):
        words = [rng.choice(pieces) for _ in range(rng.randint(0, 12))]
        text, n = "".join(words), rng.randint(0, 3)
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 5))))
        stream = MarkerStream(n)
        shown = [stream.feed(text[a:b]) for a, b in zip([0, *cuts], [*cuts, len(text)])] + [stream.flush()]
        assert "".join(shown) == clean_markers(text, n), (text, n, cuts)
    stream = MarkerStream(2)
    assert [stream.feed(p) for p in ["Putin", " [", "9", "].", " Er [2", "]"]] + [stream.flush()] == \
        ["Putin", "", "", ".", " Er", ""] + [" [2]"]
