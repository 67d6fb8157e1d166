"""Merging timeline streams, tribe posts first, cursors. No servers."""

from __future__ import annotations

from typing import Any

import pytest
from feed.domain.feed import FeedCursor, Stream, decode_rank_cursor, frontier, merge, tribe_first
from jobfriends_shared.errors import Invalid
from jobfriends_shared.pagination import encode_cursor


def items(*ranks: str) -> list[dict[str, Any]]:
    return [{"post_id": f"p{r}", "rank": r} for r in ranks]


def test_merge_places_only_what_every_unfinished_stream_has_reached() -> None:
    own = Stream(items("9", "7", "5"), exhausted=False)
    big = Stream(items("8", "3"), exhausted=False)
    merged, limit = merge([own, big])
    assert limit == "5"  # below 5 the own stream is not read yet
    assert [i["rank"] for i in merged] == ["9", "8", "7", "5"]


def test_merge_of_finished_streams_takes_everything_once() -> None:
    a = Stream(items("9", "4"), exhausted=True)
    b = Stream([*items("6"), {"post_id": "p9", "rank": "9"}], exhausted=True)
    merged, limit = merge([a, b])
    assert limit is None
    assert [i["post_id"] for i in merged] == ["p9", "p6", "p4"]
    assert frontier([Stream([], exhausted=False)]) is None


def test_tribe_posts_lead_and_are_not_repeated() -> None:
    top = [{"_id": "h"}]
    rest = [{"_id": "a"}, {"_id": "h"}, {"_id": "b"}]
    assert [p["_id"] for p in tribe_first(top, rest, 3)] == ["h", "a", "b"]
    assert [p["_id"] for p in tribe_first(top, rest, 1)] == ["h"]


def test_feed_cursors_round_trip_and_refuse_forgeries() -> None:
    cursor = FeedCursor(before="000:p", skip=("a", "b"))
    assert FeedCursor.decode(cursor.encode()) == cursor
    assert FeedCursor.decode(None) == FeedCursor()
    for forged in (
        encode_cursor({"b": 5}),
        encode_cursor({"b": "x", "s": ["a"] * 6}),
        encode_cursor({"b": "x" * 200}),
        encode_cursor(["b"]),
        encode_cursor("plain"),
        "not-base64!",
    ):
        with pytest.raises(Invalid):
            FeedCursor.decode(forged)


def test_rank_cursors_must_be_short_strings() -> None:
    assert decode_rank_cursor(encode_cursor("001:p")) == "001:p"
    with pytest.raises(Invalid):
        decode_rank_cursor(encode_cursor({"$gt": ""}))
