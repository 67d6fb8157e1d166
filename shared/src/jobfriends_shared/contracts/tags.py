"""The tag format every service shares: skills, interests and event topics travel in events as
tags, and matching compares them across services, so one normalisation defines them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from jobfriends_shared.errors import Invalid

MAX_TAG = 40
_TAG_OK = re.compile(r"^[a-z0-9][a-z0-9+#.\-]*$")


def normalise_tag(raw: str, what: str = "tag") -> str:
    """`User Research` -> `user-research`; refuses anything that is not a plain tag."""
    tag = "-".join(unicodedata.normalize("NFKC", raw).strip().lower().split())
    if not tag or len(tag) > MAX_TAG or not _TAG_OK.match(tag):
        raise Invalid(
            f"{what} {raw[:50]!r}: letters, digits and + # . - only, 1-{MAX_TAG} characters",
            code="invalid_tag",
        )
    return tag


def normalise_tags(raw: Iterable[str], field: str, limit: int, what: str = "tag") -> list[str]:
    tags = list(dict.fromkeys(normalise_tag(t, what) for t in raw))
    if len(tags) > limit:
        raise Invalid(f"{field}: at most {limit}", code="too_many")
    return tags
