"""Idempotency-Key values: visible ASCII, 1 to 200 characters, the rule the OpenAPI document declares."""

from __future__ import annotations

import re

import pytest

from shared.http.idempotency import KEY_PATTERN, MAX_KEY_LENGTH, validate_key
from shared.http.problems import ValidationProblem


@pytest.mark.parametrize("key", ["a", "order-42 retry 1", "x" * MAX_KEY_LENGTH, "!~", "5b0f0c4e-8f5e-4d2a"])
def test_a_visible_ascii_key_is_accepted(key: str) -> None:
    assert validate_key(key) == key
    assert re.fullmatch(KEY_PATTERN, key)


@pytest.mark.parametrize(
    "key",
    ["", " ", " lead", "trail ", "x" * (MAX_KEY_LENGTH + 1), "ключ", "caf\u00e9", "tab\there", "nul\x00"],
    ids=["empty", "space", "leading", "trailing", "too-long", "cyrillic", "latin-1", "tab", "nul"],
)
def test_any_other_key_is_422_and_off_the_declared_pattern(key: str) -> None:
    with pytest.raises(ValidationProblem) as raised:
        validate_key(key)
    assert raised.value.extra["errors"][0]["field"] == "Idempotency-Key"
    assert not re.fullmatch(KEY_PATTERN, key)
