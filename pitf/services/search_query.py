"""What a user types in the search box, read once into terms, then written for each database.

The syntax is PostgreSQL's websearch_to_tsquery: words, "quoted phrases", -excluded, `or` between
alternatives (AND binds tighter than OR: `a b or c` is (a and b) or c). Nothing else is syntax: `*`, `NEAR(`,
`^`, `:`, parentheses are parts of words, and the database's tokenizer drops them. Both databases search the
same parse: PostgreSQL a normalized websearch string of it (`websearch_text`), SQLite an FTS5 expression in
which every term is a quoted string (`fts5_expression`), so no input reaches FTS5 as its own syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pitf.errors import ValidationFailed

MAX_QUERY = 256  # characters
# What the API's document says of a `q` read in this language (the search and the lists' text filters).
LANGUAGE_HELP = ('whole words in any form ("trafficked" finds "trafficking"; a part of a word finds nothing), '
                 '"quoted phrases", -left-out words, `or` between alternatives; common words alone are refused')
MAX_TERMS = 24
_WORDY = re.compile(r"[^\W_]")  # a letter or a digit: what both tokenizers keep
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
# PostgreSQL's english stop words (tsearch_data/english.stop): it drops them from a query, so a word that is
# only one of them is dropped for SQLite too, and both find the same documents.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
    it its itself they them their theirs themselves what which who whom this that these those am is are was were be
    been being have has had having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more most other some such no
    nor not only own same so than too very s t can will just don should now
""".split())

_BLANKS = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Term:
    text: str  # without quotes; a phrase's words separated by single spaces
    phrase: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Alternatives (OR) of terms that must all hold (AND); each alternative has a term to look for."""

    alternatives: tuple[tuple[Term, ...], ...]

    def websearch_text(self) -> str:
        """The query as PostgreSQL's websearch_to_tsquery reads it, quotes and dashes only where meant."""
        def one(t: Term) -> str:
            return ("-" if t.excluded else "") + (f'"{t.text}"' if t.phrase else t.text)
        return " or ".join(" ".join(one(t) for t in group) for group in self.alternatives)

    def fts5_expression(self) -> str:
        """The query as an FTS5 MATCH expression: every term a quoted string, exclusions as NOT."""
        def quoted(t: Term) -> str:
            return '"' + t.text.replace('"', '""') + '"'
        groups = []
        for group in self.alternatives:
            expr = "(" + " AND ".join(quoted(t) for t in group if not t.excluded) + ")"
            for t in group:
                if t.excluded:
                    expr = f"({expr} NOT {quoted(t)})"
            groups.append(expr)
        return " OR ".join(groups)


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"q": message})


COMMON = Term("")  # a stop word, dropped


def _common(words: str) -> bool:
    return all(_EDGES.sub("", w).lower() in STOP_WORDS for w in words.split())


def _tokens(text: str) -> list[Term | None]:
    """Terms in order; None stands for an `or` between two terms, COMMON for a stop word."""
    out: list[Term | None] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        excluded = False
        if text[i] == "-":
            while i < n and text[i] == "-":
                i += 1
            if i >= n or text[i].isspace():
                continue  # a lone dash
            excluded = True
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            words = _BLANKS.sub(" ", text[i + 1:end]).strip()
            i = end + 1
            if _WORDY.search(words) and not _common(words):
                out.append(Term(words, phrase=True, excluded=excluded))
            elif _WORDY.search(words):
                out.append(COMMON)
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        word = text[start:i]
        if not excluded and word.lower() == "or":
            out.append(None)
        elif _WORDY.search(word) and not _common(word):
            out.append(Term(word, excluded=excluded))
        elif _WORDY.search(word):
            out.append(COMMON)
    return out


def parse(q: str | None) -> SearchQuery:
    """Read *q*, or ValidationFailed (on `q`) saying what to type instead."""
    text = _CONTROLS.sub(" ", q or "").strip()  # a NUL is refused by PostgreSQL's drivers
    if not text:
        raise _fail("Type a word to search for.")
    if len(text) > MAX_QUERY:
        raise _fail(f"Search for at most {MAX_QUERY} characters.")
    groups: list[list[Term]] = [[]]
    common = False
    for token in _tokens(text):
        if token is None:
            if groups[-1]:
                groups.append([])
        elif token is COMMON:
            common = True
        else:
            groups[-1].append(token)
    groups = [g for g in groups if g]
    if not groups and common:
        raise _fail("Common words such as “the” and “of” are not searched: add another word.")
    if not groups:
        raise _fail("Type a word to search for: punctuation alone finds nothing.")
    if sum(len(g) for g in groups) > MAX_TERMS:
        raise _fail(f"Search for at most {MAX_TERMS} words and phrases.")
    if any(all(t.excluded for t in g) for g in groups):
        raise _fail("Say what to look for, not only what to leave out (-word leaves a word out).")
    return SearchQuery(tuple(tuple(g) for g in groups))
