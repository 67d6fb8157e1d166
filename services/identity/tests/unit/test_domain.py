"""Identity's rules, without servers."""

from datetime import UTC, datetime, timedelta

import pytest
from identity import domain
from identity.domain import Relation, SignInPolicy
from jobfriends_shared.errors import Forbidden, Invalid, TooMany


def test_emails_are_unique_case_insensitively() -> None:
    assert domain.normalise_email("  Ana.Lopez@Example.ORG ") == "ana.lopez@example.org"


@pytest.mark.parametrize("raw", ["", "ana", "ana@", "@example.org", "a b@example.org"])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        domain.normalise_email(raw)


@pytest.mark.parametrize(
    "password",
    ["short1!", "alllowercase", "Password123", "x" * 129, "ana.lopez-Secret1"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(Invalid):
        domain.check_password(password, "ana.lopez@example.org")


@pytest.mark.parametrize("password", ["Tr0ub4dor&3xyz", "correct horse battery staple"])
def test_strong_passwords_are_accepted(password: str) -> None:
    domain.check_password(password, "ana@example.org")


def test_skills_are_normalised_and_deduplicated() -> None:
    cleaned = domain.clean_profile_changes({"skills": ["Figma", " figma ", "User Research", "C++"]})
    assert cleaned["skills"] == ["figma", "user-research", "c++"]


def test_more_than_fifty_skills_are_refused() -> None:
    with pytest.raises(Invalid, match="at most 50"):
        domain.clean_profile_changes({"skills": [f"skill{n}" for n in range(51)]})


def test_profession_must_come_from_the_catalogue() -> None:
    assert domain.clean_profile_changes({"profession": "ux-designer"}) == {
        "profession": "ux-designer"
    }
    with pytest.raises(Invalid, match="catalogue"):
        domain.clean_profile_changes({"profession": "wizard"})


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://example.org", "not a url"])
def test_portfolio_links_must_be_web_urls(link: str) -> None:
    with pytest.raises(Invalid):
        domain.clean_profile_changes({"portfolio_links": [link]})


def test_text_with_nul_bytes_is_refused_not_stripped() -> None:
    with pytest.raises(Invalid, match="control characters"):
        domain.clean_profile_changes({"headline": "hi\x00there"})


def test_unknown_time_zone_is_refused() -> None:
    assert domain.clean_profile_changes({"time_zone": "Europe/Berlin"})["time_zone"]
    with pytest.raises(Invalid, match="time zone"):
        domain.clean_profile_changes({"time_zone": "Mars/Olympus"})


def test_strangers_do_not_see_connections_only_groups_but_connections_do() -> None:
    profile = {
        "display_name": "Ana",
        "neighbourhood": "Kreuzberg",
        "skills": ["figma"],
        "visibility": {"location": "connections", "skills": "public"},
    }
    stranger = domain.visible_profile(profile, Relation.other)
    friend = domain.visible_profile(profile, Relation.connection)
    assert "neighbourhood" not in stranger
    assert stranger["skills"] == ["figma"]
    assert friend["neighbourhood"] == "Kreuzberg"


def test_sign_in_is_locked_after_too_many_failures_and_says_when_to_retry() -> None:
    policy = SignInPolicy(failures_allowed=3, window=timedelta(minutes=15))
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    failures = [now - timedelta(minutes=m) for m in (10, 5, 1)]
    with pytest.raises(TooMany) as locked:
        policy.check(failures, now)
    assert 290 <= locked.value.retry_after <= 302  # the oldest failure leaves the window in 5 min
    policy.check(failures[1:], now)  # two failures are still fine


def test_people_cannot_endorse_themselves_or_unlisted_skills() -> None:
    with pytest.raises(Forbidden):
        domain.check_endorsement("a", "a", "figma", ["figma"])
    with pytest.raises(Invalid):
        domain.check_endorsement("b", "a", "sql", ["figma"])
    assert domain.check_endorsement("b", "a", "Figma", ["figma"]) == "figma"
