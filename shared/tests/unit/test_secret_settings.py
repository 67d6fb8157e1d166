"""The gateway secret refuses placeholders, and never a random token that happens to hold a few
x's (one drawn in CI, 'ZXXxx1yl…', was refused and failed a test at random)."""

import pytest
from jobfriends_shared.settings import InfraSettings
from pydantic import ValidationError


def test_a_random_token_holding_a_few_xs_is_a_secret() -> None:
    drawn = "ZXXxx1ylXpGisc5t0H81sQZ6IfrSJojuOtoM0mhztNY"
    assert InfraSettings(JF_GATEWAY_SECRET=drawn).gateway_secret.get_secret_value() == drawn


@pytest.mark.parametrize(
    "value",
    [
        "change-me-change-me-change-me-change-me",
        "x" * 40,
        "short",
        "an-example-value-of-forty-chars!!",
    ],
)
def test_placeholders_and_short_values_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="JF_GATEWAY_SECRET"):
        InfraSettings(JF_GATEWAY_SECRET=value)
