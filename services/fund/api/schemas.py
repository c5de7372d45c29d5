"""Request and response bodies of the fund API (contract section 9).

Requests check each field on its own (types, lengths, enumerations) and forbid unknown fields;
the rules spanning fields or needing stored data (milestones summing to the budget, the rate cap,
the budget not yet lent, whole tiyn) are the domain's and answer the same 422 shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from services.fund.domain.analytics import CategoryFigures
from services.fund.domain.enterprise import Enterprise
from services.fund.domain.lifecycle import LoanStatus, ProjectStatus
from services.fund.domain.loan import (
    MAX_TERM_MONTHS,
    MIN_TERM_MONTHS,
    Allocation,
    InstallmentStanding,
    Loan,
    Repayment,
    RepaymentReceipt,
)
from services.fund.domain.money import KZT, MAX_INTEGER_DIGITS
from services.fund.domain.project import MAX_MILESTONES, MAX_REASON, MAX_TEXT, MAX_TITLE, Milestone, Project

CategoryName = Literal["repair", "modernization", "production"]
ProjectStatusName = Literal["submitted", "endorsed", "approved", "closed", "rejected"]
LoanStatusName = Literal["active", "overdue", "repaid"]

_AMOUNT = re.compile(rf"^[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,2}})?$")
_AS_NUMBER = PlainSerializer(float, return_type=float, when_used="json")


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time this service stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


def _amount(value: Any) -> Decimal:
    # A Decimal comes from the domain (already checked); the wire must bring a decimal string.
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise ValueError('must be a decimal string of KZT with at most 2 decimal places, e.g. "125000000.00"')
    return Decimal(value)


AmountText = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(lambda amount: str(amount), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": _AMOUNT.pattern, "examples": ["125000000.00"], "description": "KZT, to the tiyn"}
    ),
]


class Money(BaseModel):
    """`{"amount": "123.45", "currency": "KZT"}`: the fund lends and disburses in tenge only."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "125000000.00", "currency": "KZT"}]}
    )

    amount: AmountText
    currency: Literal["KZT"] = Field(description="Always `KZT`: the fund works in tenge.")

    @classmethod
    def of(cls, amount: Decimal) -> Money:
        return cls(amount=amount, currency=KZT)


Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, allow_inf_nan=False),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100, "examples": [60]}),
]
Rate = Annotated[
    Decimal,
    Field(ge=0, le=100, allow_inf_nan=False),
    _AS_NUMBER,
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "examples": [4.5],
            "description": "Percent a year, at most 4 decimal places, not above `SDO_FUND_MAX_RATE` (default 5).",
        }
    ),
]


def _whole_number(value: Any) -> Any:
    # JSON Schema's integer: 12 and 12.0 are the same number. Strings and booleans stay refused (strict).
    return int(value) if isinstance(value, float) and value.is_integer() else value


Months = Annotated[int, BeforeValidator(_whole_number)]


def _text(limit: int) -> Any:
    return Field(min_length=1, max_length=limit)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneCreate(_Request):
    name: str = _text(MAX_TITLE)
    due_date: date = Field(description="Not before today, not before the previous milestone's, within 20 years.")
    amount: Money = Field(description="The tranche the milestone releases once completed.")


_PROJECT_EXAMPLE: dict[str, Any] = {
    "title": "Overhaul line for T-72 engines",
    "enterprise_id": "5a0c4a6e-0d0e-4f6e-9d5a-2f0f6d9b1c11",
    "category": "repair",
    "defense_need": "Restores the repair capacity of the armoured units' engines within the country.",
    "order_ids": [],
    "budget": {"amount": "300000000.00", "currency": "KZT"},
    "local_content_target": 60,
    "milestones": [
        {
            "name": "Tooling installed",
            "due_date": "2027-03-01",
            "amount": {"amount": "100000000.00", "currency": "KZT"},
        },
        {
            "name": "First engine overhauled",
            "due_date": "2027-09-01",
            "amount": {"amount": "200000000.00", "currency": "KZT"},
        },
    ],
}


class ProjectCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PROJECT_EXAMPLE]})

    title: str = _text(MAX_TITLE)
    enterprise_id: UUID = Field(description="The enterprise: a supplier id of the registry.")
    category: CategoryName
    defense_need: str = Field(min_length=1, max_length=MAX_TEXT, description="Why defense needs it, for the MoD.")
    order_ids: list[UUID] = Field(default_factory=list, max_length=1000, description="Orders it serves; may be empty.")
    budget: Money
    local_content_target: Percent = Field(description="Local content the project aims at, percent 0-100.")
    milestones: list[MilestoneCreate] = Field(
        min_length=1, max_length=MAX_MILESTONES, description="Their amounts sum to the budget."
    )


class ReasonBody(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "work completed"}]})

    reason: str = _text(MAX_REASON)


class EvidenceBody(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"evidence": "Acceptance act No. 14 of the MoD commission, signed"}]},
    )

    evidence: str = Field(min_length=1, max_length=MAX_TEXT, description="What shows the milestone is done.")


class LoanCreate(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "principal": {"amount": "120000000.00", "currency": "KZT"},
                    "annual_rate": 4.5,
                    "term_months": 36,
                    "grace_months": 6,
                }
            ]
        },
    )

    principal: Money = Field(description="Not above the project's budget not yet lent.")
    annual_rate: Rate
    term_months: Months = Field(ge=MIN_TERM_MONTHS, le=MAX_TERM_MONTHS, strict=True)
    grace_months: Months = Field(
        default=0, ge=0, le=MAX_TERM_MONTHS - 1, strict=True, description="Interest only; < term."
    )
    start_date: date | None = Field(
        default=None,
        description="The day the schedule runs from (installment k falls due k months later); default today "
        "on the ministry's calendar. Not before the project's submission, at most a year ahead.",
    )


class RepaymentCreate(_Request):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": {"amount": "3450000.00", "currency": "KZT"}}]}
    )

    amount: Money = Field(description="Not above what is still to be paid on the loan.")
    on: date | None = Field(
        default=None,
        description="The day the money came in; default today on the ministry's calendar. Not in the future, "
        "not before the last repayment recorded.",
    )


# Responses.


class MilestonePublic(BaseModel):
    n: int = Field(description="Number of the milestone, from 1, as `/milestones/{n}/complete` names it.")
    name: str
    due_date: date
    amount: Money
    completed_on: date | None
    evidence: str | None
    disbursed: bool

    @classmethod
    def of(cls, milestone: Milestone) -> MilestonePublic:
        return cls(
            n=milestone.n,
            name=milestone.name,
            due_date=milestone.due_date,
            amount=Money.of(milestone.amount),
            completed_on=milestone.completed_on,
            evidence=milestone.evidence,
            disbursed=milestone.disbursed,
        )


_PROJECT_AS_IS = (
    "id title enterprise_id defense_need order_ids submitted_by submitted_on endorsed_by endorsed_at "
    "approved_by approved_at ended_by ended_at end_reason version"
).split()


class ProjectPublic(BaseModel):
    id: UUID
    title: str
    enterprise_id: UUID
    category: CategoryName
    defense_need: str
    order_ids: list[UUID]
    budget: Money
    local_content_target: Percent
    milestones: list[MilestonePublic]
    status: ProjectStatusName
    allowed_actions: list[str] = Field(description="Actions drawn from the current status.")
    disbursed: Money = Field(description="Tranches disbursed so far.")
    lent: Money = Field(description="Principal of the loans granted.")
    available_to_lend: Money = Field(description="The budget not yet lent.")
    submitted_by: str
    submitted_on: date = Field(description="Day of submission on the ministry's calendar.")
    submitted_at: UtcDateTime | None
    endorsed_by: str | None
    endorsed_at: UtcDateTime | None
    approved_by: str | None
    approved_at: UtcDateTime | None
    ended_by: str | None = Field(description="Who rejected or closed it.")
    ended_at: UtcDateTime | None
    end_reason: str | None
    version: int
    updated_at: UtcDateTime | None

    @classmethod
    def of(cls, project: Project) -> ProjectPublic:
        return cls(
            **{name: getattr(project, name) for name in _PROJECT_AS_IS},
            category=project.category.value,
            budget=Money.of(project.budget),
            local_content_target=project.local_content_target,
            milestones=[MilestonePublic.of(m) for m in project.milestones],
            status=project.status.value,
            allowed_actions=project.allowed_actions(),
            disbursed=Money.of(project.disbursed),
            lent=Money.of(project.lent),
            available_to_lend=Money.of(project.available_to_lend),
            submitted_at=project.submitted_at,
            updated_at=project.updated_at,
        )


class HistoryEntryPublic(BaseModel):
    action: str = Field(
        description="`submit`, `endorse`, `approve`, `reject`, `close`, `complete-milestone`, `grant-loan`."
    )
    from_status: ProjectStatusName | None
    to_status: ProjectStatusName
    at: UtcDateTime
    actor: str
    reason: str | None
    event_id: UUID | None = Field(description="The event that announced it, when one was published.")

    @classmethod
    def of(cls, row: Any) -> HistoryEntryPublic:
        return cls.model_validate(row, from_attributes=True)


_LOAN_AS_IS = "id project_id enterprise_id term_months grace_months start_date granted_by version".split()


class LoanPublic(BaseModel):
    id: UUID
    project_id: UUID
    enterprise_id: UUID
    category: CategoryName
    principal: Money
    annual_rate: Rate
    term_months: int
    grace_months: int
    start_date: date
    maturity_date: date = Field(description="Due date of the last installment.")
    level_payment: Money = Field(description="The annuity's monthly payment after the grace months.")
    status: LoanStatusName = Field(description="`overdue` while an installment due before today is unpaid.")
    total_due: Money = Field(description="Principal and all interest of the schedule.")
    total_repaid: Money
    remaining: Money = Field(description="Still to be paid, principal and interest.")
    outstanding_principal: Money
    repayments: int = Field(description="How many repayments were recorded.")
    granted_by: str
    granted_at: UtcDateTime
    updated_at: UtcDateTime | None
    version: int

    @classmethod
    def of(cls, loan: Loan) -> LoanPublic:
        return cls(
            **{name: getattr(loan, name) for name in _LOAN_AS_IS},
            category=loan.category.value,
            principal=Money.of(loan.principal),
            annual_rate=loan.annual_rate,
            maturity_date=loan.maturity_date,
            level_payment=Money.of(loan.level_payment),
            status=loan.status.value,
            total_due=Money.of(loan.total_due),
            total_repaid=Money.of(loan.total_repaid),
            remaining=Money.of(loan.remaining()),
            outstanding_principal=Money.of(loan.outstanding_principal()),
            repayments=len(loan.repayments),
            granted_at=loan.granted_at,
            updated_at=loan.updated_at,
        )


class InstallmentPublic(BaseModel):
    month: int
    due_date: date
    payment: Money
    interest: Money
    principal: Money
    balance: Money = Field(description="Principal left after this installment.")
    grace: bool = Field(description="A grace month: interest only.")
    paid: Money = Field(description="Paid towards this installment by the day of the schedule.")
    state: Literal["paid", "past_due", "open"]

    @classmethod
    def of(cls, standing: InstallmentStanding, grace_months: int) -> InstallmentPublic:
        row = standing.installment
        return cls(
            month=row.month,
            due_date=row.due_date,
            payment=Money.of(row.payment),
            interest=Money.of(row.interest),
            principal=Money.of(row.principal),
            balance=Money.of(row.balance),
            grace=row.month <= grace_months,
            paid=Money.of(standing.paid),
            state=standing.state.value,
        )


class SchedulePublic(BaseModel):
    loan_id: UUID
    on: date = Field(description="The day the standing is given for: today on the ministry's calendar.")
    principal: Money
    annual_rate: Rate
    term_months: int
    grace_months: int
    start_date: date
    level_payment: Money
    total_interest: Money
    total_due: Money
    arrears: Money = Field(description="What fell due before `on` and is unpaid.")
    status: LoanStatusName
    installments: list[InstallmentPublic]

    @classmethod
    def of(cls, loan: Loan, on: date) -> SchedulePublic:
        return cls(
            loan_id=loan.id,
            on=on,
            principal=Money.of(loan.principal),
            annual_rate=loan.annual_rate,
            term_months=loan.term_months,
            grace_months=loan.grace_months,
            start_date=loan.start_date,
            level_payment=Money.of(loan.level_payment),
            total_interest=Money.of(loan.total_interest),
            total_due=Money.of(loan.total_due),
            arrears=Money.of(loan.arrears_on(on)),
            status=loan.status.value,
            installments=[InstallmentPublic.of(s, loan.grace_months) for s in loan.standing_on(on)],
        )


class AllocationPublic(BaseModel):
    month: int = Field(description="The installment it paid.")
    interest: Money
    principal: Money

    @classmethod
    def of(cls, allocation: Allocation) -> AllocationPublic:
        return cls(
            month=allocation.month, interest=Money.of(allocation.interest), principal=Money.of(allocation.principal)
        )


class RepaymentPublic(BaseModel):
    loan_id: UUID
    seq: int = Field(description="Number of the repayment on its loan, from 1.")
    on: date = Field(description="The day the money came in.")
    amount: Money
    allocations: list[AllocationPublic] = Field(description="Oldest installment first; interest, then principal.")
    recorded_by: str | None
    recorded_at: UtcDateTime | None
    version: int = Field(default=1, description="A repayment never changes.")

    @classmethod
    def of(cls, loan_id: UUID, seq: int, repayment: Repayment, allocations: Iterable[Allocation]) -> RepaymentPublic:
        return cls(
            loan_id=loan_id,
            seq=seq,
            on=repayment.on,
            amount=Money.of(repayment.amount),
            allocations=[AllocationPublic.of(a) for a in allocations],
            recorded_by=repayment.recorded_by,
            recorded_at=repayment.recorded_at,
        )

    @classmethod
    def all_of(cls, loan: Loan) -> list[RepaymentPublic]:
        return [
            cls.of(loan.id, seq, r, parts)
            for seq, (r, parts) in enumerate(zip(loan.repayments, loan.allocations(), strict=True), start=1)
        ]


class RepaymentReceiptPublic(RepaymentPublic):
    """A repayment as recorded, and where its loan stands after it."""

    loan_status: LoanStatusName
    loan_version: int
    remaining: Money = Field(description="Still to be paid on the loan after this repayment.")
    outstanding_principal: Money
    arrears: Money = Field(description="What fell due before the repayment's day and is still unpaid.")

    @classmethod
    def of_receipt(cls, receipt: RepaymentReceipt, loan: Loan) -> Self:
        repayment = loan.repayments[receipt.seq - 1]
        return cls(
            **RepaymentPublic.of(loan.id, receipt.seq, repayment, receipt.allocations).model_dump(),
            loan_status=loan.status.value,
            loan_version=loan.version,
            remaining=Money.of(receipt.remaining),
            outstanding_principal=Money.of(receipt.outstanding_principal),
            arrears=Money.of(loan.arrears_on(receipt.on)),
        )


class EnterprisePublic(BaseModel):
    id: UUID
    status: str = Field(description="The registry's status: `pending`, `active`, `suspended` or `excluded`.")
    reason: str | None
    as_of: UtcDateTime = Field(description="When the registry announced the status.")
    event_id: UUID | None
    version: int

    @classmethod
    def of(cls, enterprise: Enterprise) -> EnterprisePublic:
        return cls(
            id=enterprise.id,
            status=enterprise.status,
            reason=enterprise.reason,
            as_of=enterprise.as_of,
            event_id=enterprise.event_id,
            version=enterprise.version,
        )


class CategoryFundPublic(BaseModel):
    category: CategoryName
    projects: int = Field(description="Projects of the category, whatever their status (`by_status` splits them).")
    by_status: dict[str, int]
    approved_budget: Money = Field(description="Budgets of projects approved (closed ones included).")
    disbursed: Money = Field(description="Tranches disbursed.")
    lent: Money = Field(description="Principal of the loans granted.")
    outstanding: Money = Field(description="Principal not yet repaid.")
    overdue: Money = Field(description="Installments due before `on` and unpaid, interest and principal.")
    overdue_loans: int
    kpi_target: float = Field(description="The category's domestic-technology target, percent (`SDO_KPI_TARGETS`).")
    lent_meeting_target: Money = Field(description="Lent to projects whose `local_content_target` >= `kpi_target`.")
    local_content_share: float | None = Field(
        description="`lent_meeting_target` as a percent of `lent`; null when nothing is lent."
    )


class FundAnalyticsPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "on": "2026-12-03",
                    "categories": [
                        {
                            "category": "repair",
                            "projects": 1,
                            "by_status": {"submitted": 0, "endorsed": 0, "approved": 1, "closed": 0, "rejected": 0},
                            "approved_budget": {"amount": "300000000.00", "currency": "KZT"},
                            "disbursed": {"amount": "100000000.00", "currency": "KZT"},
                            "lent": {"amount": "120000000.00", "currency": "KZT"},
                            "outstanding": {"amount": "120000000.00", "currency": "KZT"},
                            "overdue": {"amount": "0.00", "currency": "KZT"},
                            "overdue_loans": 0,
                            "kpi_target": 55.0,
                            "lent_meeting_target": {"amount": "120000000.00", "currency": "KZT"},
                            "local_content_share": 100.0,
                        }
                    ],
                }
            ]
        }
    )

    on: date = Field(description="The day loans are judged on: today on the ministry's calendar.")
    categories: list[CategoryFundPublic]

    @classmethod
    def of(cls, on: date, rows: Iterable[CategoryFigures]) -> FundAnalyticsPublic:
        return cls(on=on, categories=[CategoryFundPublic.model_validate(row.to_dict()) for row in rows])


# Statuses named in the documents are the domain's (a unit test keeps them equal).
PROJECT_STATUSES: tuple[str, ...] = tuple(ProjectStatus)
LOAN_STATUSES: tuple[str, ...] = tuple(LoanStatus)
