"""The shortened context (bot/answer/context.py) with the real embedder over the seeded store: best sentences
with neighbours, in document order, duplicates dropped, the evidence kept."""
from dataclasses import replace

from bot import Bot
from bot.answer.context import given_sources, shorten
from bot.answer.support import Vectors
from bot.lang import question_lang, sentences

Q001 = "On what date was Tokayev due to travel to Moscow for talks with Putin after his re-election?"
EVIDENCE = "Am 28. November wird das Staatsoberhaupt nach Russland reisen"


def test_best_sentences_keep_the_evidence_in_document_order_and_shorter(seeded_config):
    """q001's evidence is German, the question English: the embedder still ranks the sentence in. Every kept
    run of sentences is cut from its chunk as written, runs in document order (gaps marked …), and the whole
    is shorter."""
    bot = Bot.from_config(seeded_config())
    retrieved = bot.search(Q001)
    given = given_sources(bot.settings.context, Q001, question_lang(Q001), retrieved,
                          lambda: Vectors(bot._embedder(), bot._centering, bot._open_index()))
    assert any(EVIDENCE in s.text for s in given)
    assert sum(len(s.text) for s in given) < sum(len(s.text) for s in retrieved)
    by_id = {s.chunk_id: s for s in retrieved}
    for s in given:
        full = by_id[s.chunk_id].text
        runs = [x.strip(" …") for x in s.text.split(" … ")]
        positions = [full.index(x) for x in runs]  # ValueError if a run is not cut from the chunk as it is
        assert positions == sorted(positions) and all(runs)
        assert (s.title, s.date, s.doc_id) == (by_id[s.chunk_id].title, by_id[s.chunk_id].date,
                                               by_id[s.chunk_id].doc_id)


def test_a_sentence_two_overlapping_chunks_share_is_given_once(seeded_config):
    """Two sources with the same text (as overlapping chunks share sentences): the second adds nothing new and
    is dropped, so the evidence sentence appears once in the context. With window 0 and best 1, only the
    single best sentence is kept, marked … where the chunk goes on."""
    bot = Bot.from_config(seeded_config())
    first = next(s for s in bot.search(Q001) if EVIDENCE in s.text)
    twin = replace(first, chunk_id=first.chunk_id + "-twin", rank=first.rank + 1)
    vectors = Vectors(bot._embedder(), bot._centering, None)
    given = shorten(Q001, "en", [first, twin], vectors, best=4, window=1)
    assert [s.chunk_id for s in given] == [first.chunk_id]
    one = shorten(Q001, "en", [first], vectors, best=1, window=0)[0].text
    assert len(sentences(one.strip(" …"))) == 1 and "…" in one
