"""Reading a post's text: cleaning, and finding its hashtags, @mentions and links.

- Hashtags are `#` followed by letters, digits or `_` (any script), not glued to a preceding
  word (so `C#` or `a#b` are not tags) and not inside a link (`…/page#section`). They are
  normalised to lower case (`#TeachChat` -> `teachchat`); the first spelling is kept for display.
- Mentions are `@<user_id>` tokens: JobFriends has no handles, so clients insert the person's id
  (e.g. from an autocomplete) and render the author card's name in its place. `@` glued to a
  preceding word (an email address) is not a mention. Whether the id is a real person the
  mentioned person can see the post is decided by the service, not here.
- Links are `http(s)://` URLs found in the text, plus any given explicitly; each must be a
  well-formed web address (http/https, a dotted host name, no embedded credentials), or the
  post is refused with a message naming the link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from jobfriends_shared.errors import Invalid

MAX_TEXT = 3000
MAX_HASHTAGS = 20
MAX_MENTIONS = 20
MAX_LINKS = 10
MAX_TAG_LENGTH = 60
MAX_LINK_LENGTH = 2048

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_-]{1,64})(?![\w-])")
_TRAILING = ".,;:!?'\"*"
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TAG_CHARS = re.compile(r"^\w+$")
USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ParsedText:
    text: str
    hashtags: tuple[str, ...]
    hashtag_labels: dict[str, str]
    mentions: tuple[str, ...]
    links: tuple[str, ...]


def clean_text(value: str, field: str = "text", max_length: int = MAX_TEXT) -> str:
    """NFC-normalised and trimmed; control characters other than newlines and tabs are refused
    rather than silently stripped, so what the author sees is what is stored."""
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t\r" for c in text):
        raise Invalid(f"{field}: contains control characters", code="invalid_text")
    if not text:
        raise Invalid(f"{field}: must not be empty", code="empty_text")
    if len(text) > max_length:
        raise Invalid(f"{field}: at most {max_length} characters", code="text_too_long")
    return text


def normalise_hashtag(raw: str) -> str:
    """`#TeachChat`, `TeachChat` and `teachchat` are one tag: `teachchat`."""
    tag = unicodedata.normalize("NFKC", raw.strip().removeprefix("#")).casefold()
    if not tag or len(tag) > MAX_TAG_LENGTH or not _TAG_CHARS.match(tag) or tag.isdigit():
        raise Invalid(
            f"hashtag {raw[:40]!r}: letters, digits or _ only (not only digits), "
            f"1-{MAX_TAG_LENGTH} characters",
            code="invalid_hashtag",
        )
    return tag


def check_link(raw: str) -> str:
    link = raw.strip()
    problem = _link_problem(link)
    if problem:
        raise Invalid(f"link {link[:80]!r}: {problem}", code="invalid_link")
    return link


def _link_problem(link: str) -> str | None:
    if len(link) > MAX_LINK_LENGTH:
        return f"at most {MAX_LINK_LENGTH} characters"
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in link):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return "is not a valid web address"
    del port  # reading it validates it
    if parts.scheme.lower() not in ("http", "https"):
        return "only http and https links are allowed"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "has an invalid host name"
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return "needs a full host name such as example.org"
    if labels[-1].isdigit():
        return "needs a host name, not an IP address"
    return None


def _trim_url(candidate: str) -> str:
    url = candidate.rstrip(_TRAILING)
    # A closing bracket belongs to the sentence unless the link opened one itself.
    for opening, closing in (("(", ")"), ("[", "]")):
        while url.endswith(closing) and url.count(closing) > url.count(opening):
            url = url[:-1].rstrip(_TRAILING)
    return url


def extract_links(text: str) -> list[str]:
    return [_trim_url(m.group(0)) for m in _URL.finditer(text)]


def parse(text: str, extra_links: Iterable[str] = (), *, max_length: int = MAX_TEXT) -> ParsedText:
    """Clean the text and find what it refers to; refuses too many tags, mentions or links."""
    cleaned = clean_text(text, max_length=max_length)
    found_links = extract_links(cleaned)
    links = _unique(check_link(link) for link in [*extra_links, *found_links])
    if len(links) > MAX_LINKS:
        raise Invalid(f"links: at most {MAX_LINKS} per post", code="too_many_links")
    # Tags and mentions are read from the text with the links blanked out.
    prose = _URL.sub(" ", cleaned)
    labels: dict[str, str] = {}
    for match in _HASHTAG.finditer(prose):
        label = match.group(1)
        if label.isdigit() or len(label) > MAX_TAG_LENGTH:
            continue  # "#1" is a number, an overlong run is not a tag anyone can follow
        labels.setdefault(normalise_hashtag(label), label)
    if len(labels) > MAX_HASHTAGS:
        raise Invalid(f"text: at most {MAX_HASHTAGS} hashtags", code="too_many_hashtags")
    mentions = _unique(m.group(1) for m in _MENTION.finditer(prose))
    if len(mentions) > MAX_MENTIONS:
        raise Invalid(f"text: at most {MAX_MENTIONS} mentions", code="too_many_mentions")
    return ParsedText(cleaned, tuple(labels), labels, tuple(mentions), tuple(links))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def new_mentions(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """Only people newly mentioned by an edit are told again."""
    seen = set(before)
    return [m for m in after if m not in seen]


def normalise_city(city: str | None) -> str | None:
    """The key cities are compared by ("Berlin", " berlin " are one city)."""
    if city is None:
        return None
    key = " ".join(unicodedata.normalize("NFKC", city).casefold().split())
    return key or None
