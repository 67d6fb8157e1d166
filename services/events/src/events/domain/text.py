"""Free-text search without `$text` (FerretDB has none): words become a `keywords` array.

Title and description are folded (case, accents), split into words, stripped of a plural `s`
and of very common words, and stored as a set of tokens on the event. A query is tokenised the
same way and matches events holding *all* its tokens (`$all` on the array), which both stores
run with an ordinary multikey index on MongoDB. It is word search, not fuzzy search: "design"
finds "Designers"; "des" does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_KEYWORDS = 300
MAX_QUERY_TOKENS = 8
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "you",
        "your",
        "we",
        "us",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "für",
        "von",
        "zu",
        "im",
        "am",
        "le",
        "la",
        "les",
        "et",
        "des",
        "du",
        "en",
        "el",
        "los",
        "las",
        "y",
    ]
)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """Plural to singular, roughly: stories -> story, workshops -> workshop (not class)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Distinct search tokens of `text`, in order of first appearance."""
    words = (_stem(w) for w in _WORD.findall(fold(text)))
    return list(dict.fromkeys(w for w in words if len(w) > 1 and w not in _STOP))


def keywords(*texts: str | None, extra: Iterable[str] = ()) -> list[str]:
    """The `keywords` field of an event: tokens of its texts plus its tags, capped."""
    out: dict[str, None] = {}
    for text in texts:
        if text:
            out.update(dict.fromkeys(tokens(text)))
    for tag in extra:
        out.update(dict.fromkeys(tokens(tag.replace("-", " "))))
    return list(out)[:MAX_KEYWORDS]


def query_tokens(q: str) -> list[str]:
    """Tokens a search must all match; only the first few count (keeps queries cheap)."""
    return tokens(q)[:MAX_QUERY_TOKENS]
