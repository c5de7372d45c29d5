"""Problem texts in English, Russian and Kazakh: negotiation, catalogues, templates, and what stays a code."""

# ruff: noqa: RUF001  (the expected translations are Cyrillic on purpose)

from __future__ import annotations

import string

import pytest

from shared import errors, i18n
from shared.http.problems import Problem, ValidationProblem, problem_for
from shared.i18n import catalogue, messages


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("kk-KZ", "kk"),
        ("en-GB,kk;q=0.5", "en"),
        ("de-DE, fr;q=0.8", "en"),
        ("de, kk;q=0.2", "kk"),
        ("ru;q=0, kk", "kk"),
        ("ru;q=0.5, kk;q=0.5", "ru"),
        ("*", "en"),
        ("ru;q=abc, kk;q=0.1", "kk"),
    ],
)
def test_the_language_is_the_one_of_ours_the_caller_weighs_highest(header: str | None, language: str) -> None:
    assert i18n.negotiate(header) == language


def test_the_catalogues_are_compiled_from_the_current_messages_and_translate_every_one() -> None:
    assert catalogue.main(["--check"]) == 0, "run: python -m shared.i18n.catalogue"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_translation_keeps_the_values_of_its_template_and_names_no_other(language: str) -> None:
    for msgid in messages.ALL:
        translated = i18n.translate(msgid, language, template=msgid, params={f: f"<{f}>" for f in fields(msgid)})
        assert translated is not None and translated != msgid, msgid
        assert fields(msgid) - {"article"} <= {f for f in fields(msgid) if f"<{f}>" in translated}, (msgid, translated)


@pytest.mark.parametrize("title", messages.TITLES)
def test_every_title_is_translated(title: str) -> None:
    assert i18n.translate(title, "ru") and i18n.translate(title, "kk")


def test_a_text_formatted_elsewhere_is_matched_to_its_template() -> None:
    text = "Too many requests from this caller: the limit is 10 per 1 second. Retry after 3 s."
    assert (
        i18n.translate(text, "ru")
        == "Слишком много запросов от этого клиента: предел — 10 per 1 second. Повторите через 3 с."
    )
    assert i18n.translate("Input should be greater than or equal to 1", "kk") == "Мән кемінде 1 болуы керек"
    assert i18n.translate("Input should be greater than 0", "ru") == "Значение должно быть больше 0"


def test_a_services_own_sentence_is_not_mistaken_for_a_kernel_template() -> None:
    assert i18n.translate("Cancellation is not allowed on weekends.", "ru") is None
    assert i18n.translate("No resource at all.", "ru") is None
    assert i18n.translate("Order SDO-2026-000001 does not exist or is not visible to you.", "kk") is None


def test_english_is_never_translated() -> None:
    assert i18n.translate("Not Found", "en") is None


def test_a_domain_errors_template_builds_its_english_message_and_is_translated() -> None:
    illegal = errors.IllegalTransition("order", "draft", "award", ["publish", "cancel"])
    assert illegal.message == "cannot award an order in status draft; allowed now: publish, cancel"
    assert illegal.template is not None and illegal.template.format_map(illegal.params) == illegal.message
    body = problem_for(illegal).body("ru")
    assert body["detail"] == (
        "нельзя выполнить действие «award» над объектом «order» в статусе «draft»; сейчас допустимы: publish, cancel"
    )
    assert (body["type"], body["current_status"], body["allowed_actions"]) == (
        "urn:sdo:problem:illegal-transition",
        "draft",
        ["publish", "cancel"],
    )
    none_left = errors.IllegalTransition("order", "closed", "award", [])
    assert none_left.message == "cannot award an order in status closed; allowed now: none"
    assert problem_for(none_left).body("kk")["detail"].endswith("қазір ешбір әрекетке рұқсат жоқ")
    stale = errors.StaleVersion('"3"', 4)
    assert stale.message == 'If-Match "3" does not match the current version 4.'
    assert problem_for(stale).body("ru")["detail"] == 'If-Match "3" не совпадает с текущей версией 4.'


def test_a_message_without_a_translation_stays_english_and_the_title_is_still_translated() -> None:
    body = problem_for(errors.NotFound("Order 42 does not exist or is not visible to you.")).body("kk")
    assert body["title"] == "Табылмады"
    assert body["detail"] == "Order 42 does not exist or is not visible to you."


def test_a_template_whose_translation_names_a_missing_value_falls_back_to_english() -> None:
    problem = Problem("No resource at /x.", status=404, template="No resource at {path}.", params={})
    assert problem.body("ru")["detail"] == "No resource at /x."


def test_validation_problems_translate_messages_and_keep_fields() -> None:
    problem = ValidationProblem([{"field": "cursor", "message": "not a cursor this API issued"}])
    body = problem.body("ru")
    assert body["errors"] == [{"field": "cursor", "message": "это не курсор, выданный этим API"}]
    assert body["detail"] == "Некорректные данные: cursor"
    assert body["title"] == "Необрабатываемое содержимое"
    assert problem.body("en")["errors"] == [{"field": "cursor", "message": "not a cursor this API issued"}]


def test_the_body_follows_the_language_of_the_request_being_answered() -> None:
    problem = Problem("A bearer token is required.", status=401)
    assert problem.body()["title"] == "Unauthorized"
    token = i18n._language.set("kk")
    try:
        assert problem.body() == {**problem.body("kk")}
        assert problem.body()["detail"] == "Bearer токені қажет."
    finally:
        i18n._language.reset(token)
