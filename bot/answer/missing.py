"""Which of a claim's facts (numbers, dates, years, names, places) a set of passages lacks, for the claim check
(bot/answer/support.py): the reason a claim fails, in the claim's own words and language. A passage here is
support.Passage: its facts, years (the document date's included) and the facts of each clause.
"""
from __future__ import annotations

from bot.answer.facts import _TOKEN_RE, Facts, _babel_locale, _number
from bot.answer.names import name_found, word_found
from bot.answer.places import place_found


def missing(facts: Facts, passages: list, lang: str) -> list[str]:
    """The claim's facts that none of these passages holds, as the claim words them."""
    loc = _babel_locale(lang) or _babel_locale("en")
    month = lambda m: loc.months["format"]["wide"][m]  # noqa: E731
    num = _shown
    dates = set().union(*(p.facts.dates for p in passages))
    months = set().union(*(p.facts.months for p in passages))
    numbers = set().union(*(p.facts.numbers for p in passages))
    years = set().union(*(p.years for p in passages))
    out = [f"{d} {month(m)}" for d, m in sorted(facts.dates) if (d, m) not in dates]
    out += [month(m) for m in sorted(facts.months - {m for _, m in facts.dates}) if m not in months]
    weekdays = set().union(*(p.facts.weekdays for p in passages))
    out += [loc.days["format"]["wide"][d] for d in sorted(facts.weekdays - weekdays)]
    out += [str(y) for y in sorted(facts.years) if y not in years]
    out += [num(x) for x in sorted(facts.numbers) if x not in numbers and not (x == int(x) and int(x) in facts.years)]
    # a word read both as a name and as a place is missing only when both checks fail: "Russland" is found
    # as the place beside "Russia", "Jordan" of "Jordan Bardella" as the name beside "Bardella"
    places = {w for w, pid in facts.places.items() if any(place_found(pid, p.facts.words) for p in passages)}
    out += [" ".join(g) for g in facts.names
            if g[-1] not in places and not any(name_found(g, p.facts) for p in passages)]
    named = {w for g in facts.names for w in g}  # found as a name, or reported with it: not again as a place
    out += [w for w in facts.places if w not in places and w not in named]
    return list(dict.fromkeys(out + _misplaced(facts, passages, month, num)))


def _shown(x: float) -> str:
    """A number as missing() reports it: 4, not 4.0."""
    return str(int(x)) if x == int(x) else str(x)


def as_written(found: list[str], text: str) -> list[str]:
    """missing()'s numbers as the claim writes them: "2,5" and "1,400", not 2.5 and 1400."""
    written: dict[str, str] = {}
    for m in _TOKEN_RE.finditer(text):
        x = _number(m.group())
        if x is not None:
            written.setdefault(_shown(x), m.group().rstrip("."))
    return [written.get(f, f) for f in found]


def _misplaced(facts: Facts, passages: list, month, num) -> list[str]:
    """Dates and numbers the passages hold, but for something else: "29 November" where the passage has
    Moscow on the 28th and Paris on the 29th. A fact is misplaced when no clause holding it names any of
    the claim's words, while a clause naming one holds another fact of the same kind.
    """
    anchors = [a for a in facts.anchors if any(word_found(a, p.facts, loose=True) for p in passages)]
    if not anchors:
        return []
    cls = [c for p in passages for c in p.clauses]
    named = [c for c in cls if any(word_found(a, c, loose=True) for a in anchors)]
    out = []
    for kind, shown in (("dates", lambda d: f"{d[0]} {month(d[1])}"), ("numbers", num)):
        for value in getattr(facts, kind):
            if kind == "numbers" and value == int(value) and int(value) in facts.years:
                continue
            if any(value in getattr(c, kind) for c in named):
                continue
            other = next((c for c in named if getattr(c, kind)), None)
            if other is not None:
                out.append(f"{shown(value)} (the source gives {', '.join(shown(v) for v in sorted(getattr(other, kind)))})")
    return out
