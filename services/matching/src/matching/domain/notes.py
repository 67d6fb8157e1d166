"""Drafting the note of a connection request from what two people share."""

from __future__ import annotations

from matching.domain.requests import NOTE_MAX, NOTE_MIN
from matching.ranking.wording import first_name

_CLOSING = " Would love to connect."


def draft_note(display_name: str, sentence: str | None, city: str | None) -> str:
    """'Hi Mia, we are both UX designers in Kreuzberg and share 3 friends. Would love to
    connect.' The ranker's sentence speaks to the reader ('You are both …'); a note speaks
    from the sender, so 'You' becomes 'we'."""
    name = first_name(display_name) if display_name else "there"
    body = ""
    if sentence and sentence.startswith("You "):
        body = "we " + sentence[len("You ") :].replace("; you ", "; we ")
    elif sentence:
        body = sentence[0].lower() + sentence[1:]
    if not body:
        where = f" in {city}" if city else ""
        body = f"I came across your profile and we work near each other{where}."
    note = f"Hi {name}, {body}{_CLOSING}"
    if len(note) > NOTE_MAX:
        room = NOTE_MAX - len(_CLOSING) - 1
        note = note[: len(note) - len(_CLOSING)][:room].rstrip(" ,") + "…" + _CLOSING
    if len(note) < NOTE_MIN:
        note = f"Hi {name}, I would love to connect."
    return note
