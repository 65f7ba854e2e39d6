"""Tests of the eval Q&A loader/validator and of the shipped eval/qa.jsonl."""
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.evaluation.qaset import LANGS, TYPES, QAItem, QASetError, load_qa, set_problems  # noqa: E402

QA = ROOT / "eval" / "qa.jsonl"
SEEDS = ROOT / "seeds" if (ROOT / "seeds").is_dir() else Path("/work/shared/seeds")
DOC = "doc.txt"
DOC_TEXT = "Title line\n\nWladimir Putin traf am 8. November\n   unerwartet in Kasachstan ein.\n"


def item(**over):
    base = {"id": "a1", "question": "Wann kam Putin?", "lang": "de", "type": "fact",
            "answers": ["8. November"], "all_answers": False, "gold_docs": [DOC],
            "evidence": ["Putin traf am 8. November unerwartet in Kasachstan ein"]}
    base.update(over)
    return base


def unanswerable(**over):
    return item(**{"type": "unanswerable", "answers": [], "gold_docs": [], "evidence": [], **over})


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / DOC).write_text(DOC_TEXT, encoding="utf-8")
    return folder


def write(tmp_path, *lines):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
                    + "\n", encoding="utf-8")
    return path


def error(path, corpus):
    with pytest.raises(QASetError) as exc:
        load_qa(path, corpus)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}:")
    return msg


# --- the shipped set -------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_qa(QA, SEEDS)


def test_shipped_set_loads_without_problems(shipped):
    """Counted in the file itself (`grep -c . eval/qa.jsonl`, `grep -o '"lang": "[a-z]*"' ... | uniq -c`), as
    eval/README.md states them: 175 items, en 46, de 45, pl 42, no 42; 27 unanswerable, so 148 answerable.
    Adding items means updating these figures and the README's together."""
    assert len(shipped) == 175
    assert Counter(i.lang for i in shipped) == {"en": 46, "de": 45, "pl": 42, "no": 42}
    assert sum(i.answerable for i in shipped) == 148
    assert set_problems(shipped) == []


def test_shipped_set_counts(shipped):
    langs = Counter(i.lang for i in shipped)
    assert all(langs[lang] >= 10 for lang in LANGS), langs
    types = Counter(i.type for i in shipped)
    assert set(types) == set(TYPES), types
    assert types["unanswerable"] >= 0.15 * len(shipped)
    assert all(types[t] >= 5 for t in TYPES), types
    gold = Counter(d for i in shipped for d in i.gold_docs)
    docs = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert docs and all(gold[d] >= 5 for d in docs), gold
    assert len({i.id for i in shipped}) == len(shipped)


def test_shipped_items_are_well_formed(shipped):
    from bot.ingest.clean import clean_document, read_text

    doc_lang = {p.name: clean_document(read_text(p)).lang for p in SEEDS.iterdir()}
    for i in shipped:
        assert isinstance(i, QAItem)
        if i.type == "multi_doc":
            assert len(i.gold_docs) >= 2, i.id
        if i.type == "cross_lingual":  # asked in a language none of its answering documents is written in
            assert all(doc_lang[d] != i.lang for d in i.gold_docs), i.id
        for quote in i.evidence:
            assert 5 <= len(quote.split()) <= 25, (i.id, quote)
            assert not any(bad in quote for bad in ("<", ">", "+++")), (i.id, quote)
            assert "date" not in quote.lower(), (i.id, quote)


# --- small files -----------------------------------------------------------

def test_good_small_file_loads(tmp_path, corpus):
    path = write(tmp_path, item(), "", unanswerable(id="a2"))
    items = load_qa(path, corpus)
    assert [i.id for i in items] == ["a1", "a2"]
    assert items[0].answers == ("8. November",) and items[0].line == 1
    assert items[1].line == 3 and not items[1].answerable
    assert any("fewer" in p or "only" in p for p in set_problems(items))


def test_all_answers_defaults_to_false(tmp_path, corpus):
    record = item()
    del record["all_answers"]
    assert load_qa(write(tmp_path, record), corpus)[0].all_answers is False


def test_bad_json_names_line_3(tmp_path, corpus):
    path = write(tmp_path, item(), unanswerable(id="a2"), '{"id": "a3", "question": ')
    msg = error(path, corpus)
    assert ":3:" in msg and "JSON" in msg


def test_blank_lines_still_count(tmp_path, corpus):
    path = write(tmp_path, item(), "", "   ", item(id="a2", lang="xx"))
    assert ":4:" in error(path, corpus)


def test_quote_not_in_doc(tmp_path, corpus):
    path = write(tmp_path, item(), item(id="a2", evidence=["Putin kam am 9. Dezember nach Paris"]))
    msg = error(path, corpus)
    assert ":2:" in msg
    assert "Putin kam am 9. Dezember nach Paris" in msg


def test_quote_is_case_sensitive(tmp_path, corpus):
    path = write(tmp_path, item(evidence=["putin traf am 8. november unerwartet"]))
    assert ":1:" in error(path, corpus)


def test_unknown_lang(tmp_path, corpus):
    for bad in ("xx", "FR", "fra", "french", ""):  # not a code, upper case, ISO 639-2, a name, empty
        msg = error(write(tmp_path, item(lang=bad)), corpus)
        assert ":1:" in msg and f"'{bad}'" in msg and "ISO 639-1" in msg, bad


def test_any_iso_639_1_lang(tmp_path, corpus):
    """A user's own set in languages the seeds lack (issue 15: Spanish and Russian were refused)."""
    path = write(tmp_path, item(lang="es"), item(id="a2", lang="ru"), item(id="a3", lang="fr"),
                 item(id="a4", lang="zh"))
    assert [i.lang for i in load_qa(path, corpus)] == ["es", "ru", "fr", "zh"]


def test_unknown_type(tmp_path, corpus):
    msg = error(write(tmp_path, item(type="trivia")), corpus)
    assert ":1:" in msg and "trivia" in msg


def test_missing_gold_doc(tmp_path, corpus):
    msg = error(write(tmp_path, unanswerable(), item(id="a2", gold_docs=["nope.txt"])), corpus)
    assert ":2:" in msg and "nope.txt" in msg


def test_duplicate_id(tmp_path, corpus):
    msg = error(write(tmp_path, item(), unanswerable(id="a2"), unanswerable(id="a1")), corpus)
    assert ":3:" in msg and "a1" in msg and "line 1" in msg


def test_unanswerable_with_answers(tmp_path, corpus):
    msg = error(write(tmp_path, unanswerable(answers=["Putin"])), corpus)
    assert ":1:" in msg and "answers" in msg


def test_answerable_without_evidence(tmp_path, corpus):
    msg = error(write(tmp_path, item(evidence=[])), corpus)
    assert ":1:" in msg and "evidence" in msg


@pytest.mark.parametrize("bad", [
    {"answers": "8. November"}, {"all_answers": "yes"}, {"gold_docs": [1]}, {"question": "  "},
])
def test_wrong_types_and_empty_question(tmp_path, corpus, bad):
    assert ":1:" in error(write(tmp_path, item(**bad)), corpus)


def test_missing_field(tmp_path, corpus):
    record = item()
    del record["question"]
    msg = error(write(tmp_path, record), corpus)
    assert ":1:" in msg and "question" in msg


def test_not_an_object(tmp_path, corpus):
    assert ":1:" in error(write(tmp_path, "[1, 2]"), corpus)


def test_set_problems_reports_shortfalls():
    def make(n, lang, typ):
        return QAItem(id=str(n), question="q", lang=lang, type=typ, answers=(), all_answers=False,
                      gold_docs=(), evidence=(), line=n)

    items = [make(n, "en", "fact") for n in range(45)]
    problems = set_problems(items)
    assert any("'de'" in p for p in problems)
    assert any("unanswerable" in p for p in problems)
    assert not any("at least 40" in p for p in problems)
    good = [make(n, LANGS[n % 4], "unanswerable" if n % 5 == 0 else "fact") for n in range(40)]
    assert set_problems(good) == []


def test_language_tables_list_every_language_that_occurs():
    """Per-language tables: the seed languages first (in LANGS order), then any other, alphabetically."""
    from bot.evaluation.runner import _groups

    rows = [{"lang": lang, "scores": {"hit@1": hit}} for lang, hit in
            [("ru", 1.0), ("de", 0.0), ("es", 1.0), ("es", 0.0), ("en", 1.0)]]
    groups = _groups(rows, "lang", LANGS)
    assert list(groups) == ["en", "de", "es", "ru"]
    assert {lang: g["items"] for lang, g in groups.items()} == {"en": 1, "de": 1, "es": 2, "ru": 1}
