"""Compares PDF text extractors on speed and text quality: a PDF made here from the seeds (known text) and
the PDFs Debian ships in /usr/share/doc. Prints a table; chose bot/ingest/readers.py's library."""
from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_pdf(path: Path) -> str:
    """The five seeds (German, Polish, Norwegian, ...) as one PDF, two pages each; returns the text written."""
    from fpdf import FPDF

    from bot.ingest.clean import clean_text, read_text

    pdf = FPDF()
    pdf.add_font("dv", fname=FONT)
    pdf.set_font("dv", size=11)
    written = []
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        text = clean_text(read_text(seed))[0]
        half = len(text) // 2
        for part in (text[:half], text[half:]):
            pdf.add_page()
            pdf.multi_cell(0, 6, part)
            written.append(part)
    pdf.output(str(path))
    return "\n".join(written)


def make_columns_pdf(path: Path) -> str:
    """The seeds justified in two columns, the layout that tests word spacing and reading order."""
    from fpdf import FPDF

    from bot.ingest.clean import clean_text, read_text

    pdf = FPDF()
    pdf.add_font("dv", fname=FONT)
    pdf.set_font("dv", size=10)
    texts = [clean_text(read_text(seed))[0].replace("\n", " ") for seed in sorted((ROOT / "seeds").glob("*.txt"))]
    for text in texts:
        pdf.add_page()
        with pdf.text_columns(ncols=2, text_align="JUSTIFY") as cols:
            cols.write(text)
    pdf.output(str(path))
    return "\n".join(texts)


def pypdf_pages(path):
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(path).pages]


def pdfminer_pages(path):
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["".join(el.get_text() for el in page if isinstance(el, LTTextContainer)) for page in extract_pages(path)]


def pdfium_pages(path):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    out = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    doc.close()
    return out


def words(text: str) -> Counter:
    return Counter(w.lower() for w in re.findall(r"\w+", text))


def order(got: str, truth: str) -> float:
    """How much of the words' reading order survives (difflib ratio over the word sequences)."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, re.findall(r"\w+", got.lower()), re.findall(r"\w+", truth.lower()),
                           autojunk=False).ratio()


def f1(got: str, truth: str) -> float:
    g, t = words(got), words(truth)
    hit = sum((g & t).values())
    p, r = hit / max(1, sum(g.values())), hit / max(1, sum(t.values()))
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    made, cols = Path("/tmp/bench_seeds.pdf"), Path("/tmp/bench_columns.pdf")
    truths = {made: make_pdf(made), cols: make_columns_pdf(cols)}
    real = [p for p in (Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
                        Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")) if p.exists()]
    libs = {"pypdf": pypdf_pages, "pdfminer.six": pdfminer_pages, "pypdfium2": pdfium_pages}
    results = {}
    print("| library | file | pages | seconds | ms/page | word F1 vs truth | word order vs truth | ligatures "
          "| words >25 letters |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, fn in libs.items():
        for path in [made, cols, *real]:
            t0 = time.perf_counter()
            pages = fn(str(path))
            dt = time.perf_counter() - t0
            text = "\n".join(pages)
            results[(name, path.name)] = text
            lig = len(re.findall("[\ufb00-\ufb06]", text))
            long_words = len(re.findall(r"[^\W\d_]{26,}", text))
            truth = truths.get(path)
            score = f"{f1(text, truth):.3f} | {order(text, truth):.3f}" if truth else "- | -"
            print(f"| {name} | {path.name} | {len(pages)} | {dt:.2f} | {1000 * dt / len(pages):.1f} | {score} | {lig} "
                  f"| {long_words} |")
    for path in real:  # no known text for these: how far the libraries agree with each other
        for name in ("pypdf", "pdfminer.six"):
            agree = f1(results[(name, path.name)], results[("pypdfium2", path.name)])
            print(f"{path.name}: {name} against pypdfium2, word F1 {agree:.4f}")


if __name__ == "__main__":
    main()
