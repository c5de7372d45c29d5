"""Orders funded by the Development Fund (contract section 9) on the fake unit of work."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.orders import consumers, handlers
from services.orders.domain.commands import CreateOrder, PublishOrder, RecordFundProject, UpdateOrder
from services.orders.domain.errors import EventNotApplicable, FundProjectNotApproved
from services.orders.domain.funding import FundProjectStatus
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.order import Order
from services.orders.domain.specification import FundingSource
from shared import clock
from shared.errors import InvalidInput
from shared.events.envelope import CloudEvent
from shared.events.payloads import FundProjectEvent
from shared.events.types import EventType
from shared.principal import Principal
from tests.unit.orders.fakes import NOW, FakeOrdersUnitOfWork, a_spec, an_order

OFFICER = Principal("officer", frozenset({"mod_officer"}))
FUND = FundingSource.DEVELOPMENT_FUND


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda timezone=None: NOW.date())


@pytest.fixture
def uow() -> FakeOrdersUnitOfWork:
    return FakeOrdersUnitOfWork()


def funded_draft(uow: FakeOrdersUnitOfWork, project_id: UUID) -> Order:
    return uow.orders.put(an_order(OrderStatus.DRAFT, spec=a_spec(funding_source=FUND, fund_project_id=project_id)))


def learn(project_id: UUID, status: FundProjectStatus) -> RecordFundProject:
    return RecordFundProject(project_id, status, uuid4(), "repair", Decimal("300000000.00"))


def publish(order: Order) -> PublishOrder:
    return PublishOrder(order_ref=order.number, actor=OFFICER)


async def test_a_fund_order_names_its_project_and_a_state_budget_one_names_none(uow: FakeOrdersUnitOfWork) -> None:
    with pytest.raises(InvalidInput) as missing:
        await handlers.create_order(uow, CreateOrder(a_spec(funding_source=FUND)))
    with pytest.raises(InvalidInput) as stray:
        await handlers.create_order(uow, CreateOrder(a_spec(fund_project_id=uuid4())))
    assert (missing.value.field, stray.value.field) == ("fund_project_id", "fund_project_id")
    assert "required when funding_source is development_fund" in missing.value.message
    project_id = uuid4()
    created = await handlers.create_order(uow, CreateOrder(a_spec(funding_source=FUND, fund_project_id=project_id)))
    assert created.spec.fund_project_id == project_id


async def test_a_patch_to_the_state_budget_drops_the_project_and_to_the_fund_needs_one(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = funded_draft(uow, uuid4())
    to_budget = UpdateOrder(
        order_ref=order.number, actor=OFFICER, changes={"funding_source": FundingSource.STATE_BUDGET}
    )
    changed = await handlers.update_order(uow, to_budget)
    assert (changed.spec.funding_source, changed.spec.fund_project_id) == ("state_budget", None)
    assert uow.orders.written[-1].reason == "changed funding_source"
    back = UpdateOrder(order_ref=order.number, actor=OFFICER, changes={"funding_source": FUND})
    with pytest.raises(InvalidInput) as refused:
        await handlers.update_order(uow, back)
    assert refused.value.field == "fund_project_id"
    named = UpdateOrder(order_ref=order.number, actor=OFFICER, changes={"fund_project_id": uuid4()})
    with pytest.raises(InvalidInput):
        await handlers.update_order(uow, named)  # still state budget: no project


async def test_a_fund_order_is_published_only_once_its_project_is_approved(uow: FakeOrdersUnitOfWork) -> None:
    project_id = uuid4()
    order = funded_draft(uow, project_id)
    with pytest.raises(FundProjectNotApproved) as unknown:
        await handlers.publish(uow, publish(order))
    assert (unknown.value.code, unknown.value.details["project_status"]) == ("fund_project_not_approved", None)
    await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.APPROVED))
    published = await handlers.publish(uow, publish(order))
    assert published.status == "published"
    assert uow.audit[-1].details["fund_project_id"] == str(project_id)


async def test_a_closed_project_publishes_nothing_more(uow: FakeOrdersUnitOfWork) -> None:
    project_id = uuid4()
    order = funded_draft(uow, project_id)
    await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.APPROVED))
    await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.CLOSED))
    with pytest.raises(FundProjectNotApproved) as refused:
        await handlers.publish(uow, publish(order))
    assert refused.value.details == {"fund_project_id": str(project_id), "project_status": "closed"}
    assert uow.orders.stored[order.id].status == "draft"


async def test_a_late_approval_never_reopens_a_closed_project(uow: FakeOrdersUnitOfWork) -> None:
    project_id = uuid4()
    await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.CLOSED))  # arrived first
    with pytest.raises(EventNotApplicable):
        await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.APPROVED))
    assert uow.fund_projects.stored[project_id].status == "closed"
    assert uow.audit_actions() == ["fund_project.closed"]


async def test_a_repeated_approval_changes_nothing(uow: FakeOrdersUnitOfWork) -> None:
    project_id = uuid4()
    await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.APPROVED))
    with pytest.raises(EventNotApplicable):
        await handlers.record_fund_project(uow, learn(project_id, FundProjectStatus.APPROVED))


async def test_the_consumers_keep_the_funds_projects_and_drop_a_late_approval(uow: FakeOrdersUnitOfWork) -> None:
    project_id = uuid4()
    data = FundProjectEvent(
        project_id=project_id,
        enterprise_id=uuid4(),
        category="repair",
        status="closed",
        budget_kzt=Decimal("300000000.00"),
    )
    closed = CloudEvent(source="sdo/fund", type=str(EventType.FUND_PROJECT_CLOSED), subject=str(project_id), data={})
    await consumers.SUBSCRIPTIONS[EventType.FUND_PROJECT_CLOSED](closed, data, uow)
    approved = CloudEvent(
        source="sdo/fund", type=str(EventType.FUND_PROJECT_APPROVED), subject=str(project_id), data={}
    )
    await consumers.SUBSCRIPTIONS[EventType.FUND_PROJECT_APPROVED](
        approved, data.model_copy(update={"status": "approved"}), uow
    )
    assert uow.fund_projects.stored[project_id].status == "closed"  # the type says what happened; closed is final
