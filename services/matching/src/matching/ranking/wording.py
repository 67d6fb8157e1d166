"""Small English helpers for the sentences people read: profession labels, plurals, lists,
and how far away an event is ("Thursday's DesignHour meetup")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jobfriends_shared.contracts.professions import PROFESSIONS

from matching.ranking.model import SENIORITY_LEVELS, EventInfo

SENIORITY_NAMES = {level: name for name, level in SENIORITY_LEVELS.items()}
_KIND_NOUNS = {
    "meetup": "meetup",
    "workshop": "workshop",
    "talk": "talk",
    "conference": "conference",
    "coworking": "coworking session",
    "networking": "networking event",
    "online": "online event",
}
_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")


def _word(word: str) -> str:
    """Lower-case ordinary words, keep acronyms and mixed-case names (UX, DevOps)."""
    return word.lower() if word[:1].isupper() and word[1:].islower() else word


def profession_label(slug: str | None) -> str | None:
    if not slug:
        return None
    label = PROFESSIONS.get(slug)
    if label is None:
        return slug.replace("-", " ")
    return " ".join(_word(w) for w in label.split())


def plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def with_article(noun: str) -> str:
    first = noun.split(" ", 1)[0]
    if first.isupper() and len(first) > 1:
        vowel = first[0] in _VOWEL_SOUND_LETTERS
    else:
        vowel = noun[:1].lower() in "aeio"
    return f"{'an' if vowel else 'a'} {noun}"


def join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b, and c' (the serial comma reads best in long clauses)."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return f"{', '.join(items[:-1])}, and {items[-1]}"


def tag_text(tag: str) -> str:
    return tag.replace("-", " ")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_name(info: EventInfo) -> str:
    """The title, followed by what kind of event it is unless the title says so already."""
    noun = _KIND_NOUNS.get(info.kind, "event")
    if noun.split()[0] in info.title.lower():
        return info.title
    return f"{info.title} {noun}"


def event_phrase(info: EventInfo, now: datetime) -> str:
    """'Thursday's DesignHour meetup', 'tomorrow's …', or '… on 12 March'."""
    zone = _zone(info.time_zone)
    starts = info.starts_at.astimezone(zone)
    days = (starts.date() - now.astimezone(zone).date()).days
    name = event_name(info)
    if days <= 0:
        return f"today's {name}"
    if days == 1:
        return f"tomorrow's {name}"
    if days < 7:
        return f"{starts.strftime('%A')}'s {name}"
    return f"the {name} on {starts.day} {starts.strftime('%B')}"


def first_name(display_name: str) -> str:
    name = display_name.strip()
    return name.split()[0] if name else "your friend"
