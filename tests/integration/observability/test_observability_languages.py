"""Problem answers in Russian and Kazakh, chosen by Accept-Language: texts translated, codes unchanged."""

# ruff: noqa: RUF001  (the expected answers are Cyrillic on purpose)

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.orders.orders_helpers import MOD, Api, create, published, supplier
from tests.support import assert_problem

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
KK = {"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.5"}


def answered_in(response: httpx.Response, language: str, status: int) -> dict[str, Any]:
    body = assert_problem(response, status)
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()
    return body


async def test_a_missing_resource_and_a_wrong_method_in_russian(api: Api) -> None:
    missing = answered_in(await api.client.get("/api/v1/nowhere", headers=RU), "ru", 404)
    assert (missing["title"], missing["detail"]) == ("Не найдено", "По адресу /api/v1/nowhere ресурса нет.")
    assert missing["type"] == "about:blank" and missing["status"] == 404
    wrong = answered_in(await api.client.delete("/healthz", headers=RU), "ru", 405)
    assert (wrong["title"], wrong["detail"]) == ("Метод не разрешён", "Метод DELETE не разрешён для /healthz.")


async def test_authentication_and_roles_in_kazakh(api: Api) -> None:
    anonymous = answered_in(await api.client.get("/api/v1/orders", headers=KK), "kk", 401)
    assert (anonymous["title"], anonymous["detail"]) == ("Аутентификация қажет", "Bearer токені қажет.")
    assert anonymous["type"] == "urn:sdo:problem:unauthorized"
    body = {"title": "x"}
    refused = answered_in(
        await api.client.post("/api/v1/orders", json=body, headers={**supplier_headers(), **KK}), "kk", 403
    )
    assert refused["title"] == "Қол жеткізуге тыйым салынған"
    assert refused["detail"].startswith("Бұл әрекет үшін мына рөлдердің бірі қажет: ")
    assert "mod_officer" in refused["detail"]  # role names are codes: unchanged


async def test_validation_names_the_same_fields_in_every_language(api: Api) -> None:
    bad = {"title": "", "quantity": 0}
    english = assert_problem(await api.client.post("/api/v1/orders", json=bad, headers=MOD), 422)
    russian = answered_in(await api.client.post("/api/v1/orders", json=bad, headers={**MOD, **RU}), "ru", 422)
    kazakh = answered_in(await api.client.post("/api/v1/orders", json=bad, headers={**MOD, **KK}), "kk", 422)
    fields = [e["field"] for e in english["errors"]]
    assert [e["field"] for e in russian["errors"]] == fields == [e["field"] for e in kazakh["errors"]]
    assert russian["type"] == kazakh["type"] == english["type"] == "urn:sdo:problem:validation-error"
    assert (russian["title"], kazakh["title"]) == ("Необрабатываемое содержимое", "Өңделмейтін мазмұн")
    assert russian["detail"] == "Некорректные данные: " + ", ".join(fields)
    assert kazakh["detail"] == "Жарамсыз деректер: " + ", ".join(fields)
    messages = {e["field"]: e["message"] for e in russian["errors"]}
    assert messages["delivery_location"] == "Обязательное поле"


async def test_a_refused_transition_in_russian_and_kazakh_keeps_its_statuses_and_actions(api: Api) -> None:
    order = await create(api.client)
    url = f"/api/v1/orders/{order['id']}/award"
    award = {
        "supplier_id": "00000000-0000-0000-0000-000000000001",
        "contract_price": {"amount": "1", "currency": "KZT"},
    }
    english = assert_problem(await api.client.post(url, json=award, headers=MOD), 409)
    russian = answered_in(await api.client.post(url, json=award, headers={**MOD, **RU}), "ru", 409)
    kazakh = answered_in(await api.client.post(url, json=award, headers={**MOD, **KK}), "kk", 409)
    for body in (russian, kazakh):
        assert body["type"] == english["type"] == "urn:sdo:problem:illegal-transition"
        assert body["current_status"] == english["current_status"] == "draft"
        assert body["allowed_actions"] == english["allowed_actions"]
    allowed = ", ".join(english["allowed_actions"])
    assert english["detail"] == f"cannot award an order in status draft; allowed now: {allowed}"
    assert russian["title"] == "Конфликт"
    assert russian["detail"] == (
        f"нельзя выполнить действие «award» над объектом «order» в статусе «draft»; сейчас допустимы: {allowed}"
    )
    assert kazakh["detail"] == (
        "«draft» мәртебесіндегі «order» нысанына «award» әрекетін орындауға болмайды; "
        f"қазір рұқсат етілгендері: {allowed}"
    )


async def test_a_stale_version_in_kazakh(api: Api) -> None:
    order = await published(api.client)
    url = f"/api/v1/orders/{order['id']}/cancel"
    headers = {**MOD, **KK, "If-Match": '"1"'}
    stale = answered_in(await api.client.post(url, json={"reason": "x"}, headers=headers), "kk", 412)
    assert stale["title"] == "Алғышарт орындалмады"
    assert stale["detail"] == f'If-Match "1" ағымдағы {order["version"]} нұсқасына сәйкес келмейді.'
    assert stale["current_version"] == order["version"]


@pytest.mark.parametrize("accept", [None, "en", "de-DE, fr;q=0.8", "ru;q=0, en"])
async def test_english_stays_the_default_and_is_not_marked(api: Api, accept: str | None) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = await api.client.get("/api/v1/nowhere", headers=headers)
    body = assert_problem(response, 404)
    assert (body["title"], body["detail"]) == ("Not Found", "No resource at /api/v1/nowhere.")
    assert "content-language" not in response.headers


async def test_a_success_is_never_marked_with_a_language(api: Api) -> None:
    response = await api.client.get("/healthz", headers=RU)
    assert response.status_code == 200 and "content-language" not in response.headers


def supplier_headers() -> dict[str, str]:
    from uuid import uuid4

    return supplier(uuid4())
