"""Reading a post's text: hashtags, mentions, links, limits. No servers."""

from __future__ import annotations

import pytest
from feed.domain import text
from jobfriends_shared.errors import Invalid


def test_hashtags_are_normalised_to_lower_case_and_keep_their_first_spelling() -> None:
    parsed = text.parse("#TeachChat and #teachchat and #DesignHour!")
    assert parsed.hashtags == ("teachchat", "designhour")
    assert parsed.hashtag_labels == {"teachchat": "TeachChat", "designhour": "DesignHour"}


@pytest.mark.parametrize(
    "raw",
    ["I write C# daily", "a#b", "#123", "see https://example.org/page#section", "&#39;"],
)
def test_things_that_only_look_like_hashtags_are_not(raw: str) -> None:
    assert text.parse(raw).hashtags == ()


def test_hashtags_in_other_scripts_are_tags_too() -> None:
    assert text.parse("#Straße #日本 #café").hashtags == ("strasse", "日本", "café")


def test_mentions_are_user_id_tokens_but_not_email_addresses() -> None:
    parsed = text.parse("thanks @u_1-a, @u_1-a again, and mail ana@example.org or @x.")
    assert parsed.mentions == ("u_1-a", "x")


def test_links_are_found_trimmed_of_punctuation_and_validated() -> None:
    parsed = text.parse(
        "Read https://example.org/a_(b) and (http://example.com/x). Also https://exa.mple/q?x=1,"
    )
    assert parsed.links == (
        "https://example.org/a_(b)",
        "http://example.com/x",
        "https://exa.mple/q?x=1",
    )


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://user:secret@example.org",
        "https://localhost:8000",
        "http://192.168.0.1/admin",
        "https://exa mple.org",
        "https://-bad-.org",
        "https://example.org:99999",
        "https://" + "a" * 2050 + ".org",
    ],
)
def test_bad_links_are_refused(link: str) -> None:
    with pytest.raises(Invalid) as caught:
        text.check_link(link)
    assert caught.value.code == "invalid_link"


def test_international_host_names_are_fine() -> None:
    assert text.check_link("https://bücher.example/") == "https://bücher.example/"


def test_text_limits() -> None:
    assert text.clean_text("  hi\n there\t ") == "hi\n there"
    assert len(text.parse("é" * 3000).text) == 3000
    for bad, code in (("x" * 3001, "text_too_long"), ("", "empty_text"), ("a\x07", "invalid_text")):
        with pytest.raises(Invalid) as caught:
            text.parse(bad)
        assert caught.value.code == code


def test_too_many_tags_mentions_or_links_are_refused() -> None:
    with pytest.raises(Invalid, match="hashtags"):
        text.parse(" ".join(f"#t{i}" for i in range(21)))
    with pytest.raises(Invalid, match="mentions"):
        text.parse(" ".join(f"@u{i}" for i in range(21)))
    with pytest.raises(Invalid, match="links"):
        text.parse(" ".join(f"https://e{i}.org" for i in range(11)))


def test_an_edit_tells_only_newly_mentioned_people() -> None:
    assert text.new_mentions(["a", "b"], ["b", "c", "a", "d"]) == ["c", "d"]


def test_cities_compare_without_case_or_extra_spaces() -> None:
    assert text.normalise_city("  New   York ") == text.normalise_city("new york") == "new york"
    assert text.normalise_city("   ") is None
