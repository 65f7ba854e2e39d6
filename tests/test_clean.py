"""Cleaning on the real seed files: every sentence of content survives, markup and site debris go."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest.clean import clean_document, clean_text, read_text, strip_markup
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
# A "read more" teaser glued to a paragraph in 001: the headline of another article, cut with its marker.
TEASERS = {"001_eddcc00bd52f2ed4.txt": ' Nowy prezydent Kazachstanu "starym'}


def seed(prefix: str) -> Path:
    return next(p for p in SEED_FILES if p.name.startswith(prefix))


def cleaned(prefix: str):
    return clean_document(read_text(seed(prefix)))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_there_are_five_seeds():
    assert [p.name[:3] for p in SEED_FILES] == ["000", "001", "002", "003", "004"]


def test_broken_markup_in_004_goes_but_its_sentences_stay():
    """004 has tags cut off mid-attribute (`<p _ngcontent-sc94 class=Wladimir ...`) and `< li>` bullets."""
    text = cleaned("004").text
    assert "Wladimir Putin traf am 8. November unerwartet in Kasachstan ein." in text
    assert "Kasachstan hat den Export von Hightech-Produkten nach Russland verboten" in text
    assert "Putin kam nach Kasachstan/Getty Images, Collage 24 Channel" in text
    for debris in ("<", ">", "_ngcontent", "class=", "< li>", "/>", "Leave a Reply"):
        assert debris not in text, debris
    # The "•" bullets go, the sentences they start stay.
    assert "\nDarüber hinaus verbot Kasachstan" in text and "•" not in text


def test_marker_lines_in_000_go():
    """000 has a lone "Y" line and two "+++" separator lines between paragraphs."""
    lines = cleaned("000").text.split("\n")
    assert "Y" not in lines and "+++" not in lines and not any("+++" in ln for ln in lines)
    after_y = "Der Kasachstan- Präsident macht seinen ersten Auslands- Besuch in Russland (Symbolik maximale)."
    assert after_y in lines
    assert any(ln.startswith("“Bei den Gesprächen sollen Fragen") for ln in lines)  # the line after "+++"


def test_norwegian_advertisement_label_in_002_goes():
    """002 starts ` date 2022-11 annonse`: the date is metadata, "annonse" (advertisement) is debris."""
    doc = cleaned("002")
    assert "annonse" not in doc.text.lower()
    assert doc.text.startswith("Ved å velge Moskva som destinasjon")


def test_read_more_teaser_in_001_goes():
    text = cleaned("001").text
    assert "czytaj dalej" not in text and "»" not in text
    assert "starym, dobrym przyjacielem" not in text  # the teaser's headline went with its marker
    assert 'potencjał przyjaźni pomiędzy narodami" Rosji i Kazachstanu.\n' in text  # the sentence before it stayed


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_every_plain_sentence_line_survives(path):
    """The "keeps every sentence" guarantee: each raw line without markup, longer than 40 characters, is in
    the cleaned text (whitespace-normalized; a leading `date YYYY-MM` and a bullet sign are not content)."""
    raw = read_text(path)
    text = norm(clean_document(raw).text)
    checked = 0
    for line in raw.splitlines():
        if "<" in line or ">" in line:
            continue
        line = re.sub(r"^\s*date \d{4}-\d{2}\s*", "", line)
        line = re.sub(r"^\s*[•·]\s*", "", line)
        if path.name in TEASERS and TEASERS[path.name] in line:
            line = line[: line.index(TEASERS[path.name])]
        if len(line.strip()) > 40:
            checked += 1
            assert norm(line) in text, line[:80]
    assert checked >= 5


@pytest.mark.parametrize(
    "prefix, date, lang, title_start",
    [
        ("000", None, "de", "Titelbild: Kasachstans neu gewählter (alter) Präsident"),
        ("001", "2019-04", "pl", '"Umacniać osiągnięty potencjał przyjaźni". Nowy prezydent'),
        ("002", "2022-11", "no", "Ved å velge Moskva som destinasjon"),
        ("003", "2023-04", "de", "Astana, 10. April, AZERTAC"),
        ("004", None, "de", "Die Entscheidung war wohl spontan"),
    ],
)
def test_seed_metadata(prefix, date, lang, title_start):
    """Dates come only from a leading `date YYYY-MM` line (000 and 004 have none: never invented);
    the title is the first content line; languages are what the articles are written in."""
    doc = cleaned(prefix)
    assert doc.date == date
    assert doc.lang == lang
    assert doc.title.startswith(title_start)
    assert doc.title == doc.text.split("\n")[0] or doc.title.endswith(" …")


def test_long_first_line_title_is_cut_at_a_word():
    doc = cleaned("002")  # its first content line is 160 characters
    assert doc.title.endswith(" …") and len(doc.title) <= 122
    assert doc.text.startswith(doc.title[:-2])


def test_hash_is_stable_and_follows_the_text():
    raw = read_text(seed("003"))
    assert clean_document(raw).content_hash == clean_document(raw).content_hash
    assert clean_document(raw + "\nEin weiterer Satz.").content_hash != clean_document(raw).content_hash
    # Debris and spacing do not change the content, so not the hash either.
    assert clean_document(raw.replace("\n\n", "\n\n+++\n\n", 1) + "\n\nLeave a Reply\n").content_hash == \
        clean_document(raw).content_hash


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ValueError, match="binary"):
        read_text(path)


def test_cp1252_file_decodes(tmp_path):
    path = tmp_path / "alt.txt"
    path.write_bytes("Präsident Tokajew traf Putin – „offiziell“.".encode("cp1252"))
    assert read_text(path) == "Präsident Tokajew traf Putin – „offiziell“."


def test_utf8_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffTokajew".encode("utf-8"))
    assert read_text(path) == "Tokajew"


def test_entities_unescaped_and_scripts_dropped():
    raw = ("<html><head><style>p { color: red }</style></head><body>"
           "<p>Tokajew &amp; Putin trafen sich in Moskau&nbsp;am 28.&#160;November.</p>"
           "<script>var ad = 'Putin Tokajew';</script><p>Der Besuch &quot;war wichtig&quot;.</p></body></html>")
    text, date = clean_text(raw)
    assert date is None
    assert [ln for ln in text.split("\n") if ln] == [  # each <p> its own paragraph
        "Tokajew & Putin trafen sich in Moskau am 28. November.", 'Der Besuch "war wichtig".']


def test_a_lone_less_than_sign_is_text():
    """Only known tag names count as broken markup: "<5 %" in prose is kept."""
    assert strip_markup("Die Inflation lag bei <5 % im Jahr.") == "Die Inflation lag bei <5 % im Jahr."


def test_date_only_from_the_leading_line():
    text, date = clean_text("Tokajew reiste nach Moskau.\ndate 2020-01 steht hier mitten im Text.")
    assert date is None and "date 2020-01" in text
