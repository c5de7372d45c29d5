"""Routes of the fund API (contract section 9): thin, each naming the roles it admits.

The roles of every command come from the lifecycle tables (``domain/lifecycle.py``). Endorsement
is ``mod_officer``'s alone: the route admits whoever the table names (``integration`` implies
``mod_officer`` at the edge), and the domain, reading the token's own roles, refuses anyone else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.responses import Response

from services.fund import handlers
from services.fund.api.deps import SettingsDep
from services.fund.api.schemas import (
    CategoryName,
    EnterprisePublic,
    EvidenceBody,
    FundAnalyticsPublic,
    HistoryEntryPublic,
    LoanCreate,
    LoanPublic,
    LoanStatusName,
    ProjectCreate,
    ProjectPublic,
    ProjectStatusName,
    ReasonBody,
    RepaymentCreate,
    RepaymentPublic,
    RepaymentReceiptPublic,
    SchedulePublic,
)
from services.fund.db import reads
from services.fund.domain.analytics import fund_figures
from services.fund.domain.category import ProjectCategory
from services.fund.domain.commands import (
    ApproveProject,
    CloseProject,
    CompleteMilestone,
    EndorseProject,
    GrantLoan,
    RecordRepayment,
    RejectProject,
    SubmitProject,
)
from services.fund.domain.lifecycle import LOAN, PROJECT, LoanAction, ProjectAction
from services.fund.domain.loan import Loan, RepaymentReceipt
from services.fund.domain.project import MAX_MILESTONES, MilestonePlan, Project
from shared.auth import Principal, Role, allow, allow_all
from shared.errors import NotFound
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import json_with_digest_etag, json_with_etag, required_body
from shared.http.deps import IfNoneMatch, ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page

router = APIRouter(prefix="/api/v1")

_A = ProjectAction
# Who may do what: the tables' rule for each action, checked here once.
Submitter = Annotated[Principal, allow(*PROJECT.roles_for(_A.SUBMIT))]
# Only the MoD itself endorses: integration, which implies mod_officer elsewhere, does not count here.
Endorser = Annotated[Principal, allow(*PROJECT.roles_for(_A.ENDORSE), own_roles_only=True)]
Approver = Annotated[Principal, allow(*PROJECT.roles_for(_A.APPROVE))]
Rejecter = Annotated[Principal, allow(*PROJECT.roles_for(_A.REJECT))]
Closer = Annotated[Principal, allow(*PROJECT.roles_for(_A.CLOSE))]
Completer = Annotated[Principal, allow(*PROJECT.roles_for(_A.COMPLETE_MILESTONE))]
Lender = Annotated[Principal, allow(*PROJECT.roles_for(_A.GRANT_LOAN))]
Repayer = Annotated[Principal, allow(*LOAN.roles_for(LoanAction.REPAY))]
Reader = Annotated[Principal, allow_all()]
Analyst = Annotated[
    Principal, allow(Role.FUND_OFFICER, Role.MOD_OFFICER, Role.MIC_OFFICER, Role.AUDITOR, Role.INTEGRATION)
]

MilestoneNumber = Annotated[int, Path(ge=1, le=MAX_MILESTONES, description="The milestone's `n`, from 1.")]
_FUND_WRITE = " Roles: fund_officer, integration. Accepts `Idempotency-Key` and `If-Match`."
_READ_NOTE = " Roles: all; an enterprise (a supplier's token) sees only its own, another's is 404."


def _created_headers(what: str) -> dict[int | str, dict[str, Any]]:
    return {201: {"description": f"{what}; `Location` names it."}}


def _status_conflict(extra: str = "") -> dict[int | str, dict[str, Any]]:
    text = "Not allowed from the current status (names `current_status` and `allowed_actions`)"
    return {409: {"description": text + (f"; {extra}" if extra else "") + "."}}


def _project_url(project_id: Any) -> str:
    return f"/api/v1/projects/{project_id}"


def _loan_url(loan_id: Any) -> str:
    return f"/api/v1/loans/{loan_id}"


# How each command's result answers.


def _project_created(project: Project) -> CommandResult:
    return CommandResult(ProjectPublic.of(project), 201, _project_url(project.id), project.version)


def _project_changed(project: Project) -> CommandResult:
    return CommandResult(ProjectPublic.of(project), 200, version=project.version)


def _loan_granted(loan: Loan) -> CommandResult:
    return CommandResult(LoanPublic.of(loan), 201, _loan_url(loan.id), loan.version)


def _repaid(result: tuple[Loan, RepaymentReceipt]) -> CommandResult:
    loan, receipt = result
    location = f"{_loan_url(loan.id)}/repayments/{receipt.seq}"
    return CommandResult(RepaymentReceiptPublic.of_receipt(receipt, loan), 201, location, 1)


def _no_project(project_id: UUID) -> NotFound:
    return NotFound(f"No project {project_id}.")


def _no_loan(loan_id: UUID) -> NotFound:
    return NotFound(f"No loan {loan_id}.")


_BODY_REQUIRED: dict[str, Any] = {"requestBody": {"required": True}}


# Projects.


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectPublic,
    tags=["projects"],
    responses={
        **_created_headers("The project, in `submitted`"),
        409: {
            "description": "`enterprise_unknown`: the fund has heard nothing of the enterprise from the registry; "
            "`enterprise_excluded`: the registry excluded it."
        },
    },
    summary="Submit a project",
    description="A project the fund may finance, for an enterprise of the registry, in `submitted`. Milestones "
    "(1-100, due dates not before today and in order) must sum to the budget; amounts are KZT to the tiyn."
    + _FUND_WRITE,
)
async def submit_project(body: ProjectCreate, principal: Submitter, cmd: CommandDep) -> Response:
    command = SubmitProject(
        title=body.title,
        enterprise_id=body.enterprise_id,
        category=ProjectCategory(body.category),
        defense_need=body.defense_need,
        order_ids=tuple(body.order_ids),
        budget=body.budget.amount,
        local_content_target=body.local_content_target,
        milestones=tuple(MilestonePlan(m.name, m.due_date, m.amount.amount) for m in body.milestones),
        actor=principal,
    )
    return await cmd.run(principal, lambda uow: handlers.submit_project(uow, command), present=_project_created)


@router.get(
    "/projects",
    response_model=Page[ProjectPublic],
    tags=["projects"],
    summary="List projects",
    description="Oldest first, cursor-paged; filters `status`, `category`, `enterprise_id`." + _READ_NOTE,
)
async def list_projects(
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    status: ProjectStatusName | None = None,
    category: CategoryName | None = None,
    enterprise_id: Annotated[UUID | None, Query(description="Projects of this enterprise (supplier id).")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    where = reads.ProjectFilter(status=status, category=category, enterprise_id=enterprise_id)
    found = await reads.project_page(
        session, where, principal.supplier_scope, (after[0], after[1]) if after else None, limit
    )
    page, next_cursor = split_page(found, limit, lambda p: [_moment(p.submitted_at), str(p.id)])
    return json_with_digest_etag(
        request, Page[ProjectPublic](items=[ProjectPublic.of(p) for p in page], next_cursor=next_cursor)
    )


def _moment(at: datetime | None) -> str:
    return at.isoformat() if at else datetime.min.isoformat()


@router.get(
    "/projects/{project_id}",
    response_model=ProjectPublic,
    tags=["projects"],
    summary="Read a project",
    description="The whole project: status, milestones and their tranches, what is lent, with `ETag`." + _READ_NOTE,
)
async def read_project(
    project_id: UUID, request: Request, principal: Reader, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    found = await reads.project(session, project_id, principal.supplier_scope)
    if found is None:
        raise _no_project(project_id)
    return json_with_etag(request, ProjectPublic.of(found), found.version)


@router.post(
    "/projects/{project_id}/endorse",
    response_model=ProjectPublic,
    tags=["projects"],
    responses={
        **_status_conflict(),
        403: {
            "description": "Only `mod_officer` endorses: a token without that role of its own (even "
            "`integration`) is refused (`action_not_permitted`)."
        },
    },
    summary="Endorse the defense need",
    description="The Ministry of Defense confirms the project is needed for defense: `submitted` -> `endorsed`. "
    "Role: mod_officer only. Accepts `Idempotency-Key` and `If-Match`.",
)
async def endorse_project(project_id: UUID, principal: Endorser, cmd: CommandDep) -> Response:
    command = EndorseProject(project_id, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.endorse_project(uow, command), present=_project_changed)


@router.post(
    "/projects/{project_id}/approve",
    response_model=ProjectPublic,
    tags=["projects"],
    responses=_status_conflict(
        "`project_not_endorsed` before the MoD's endorsement; `enterprise_unknown` or `enterprise_not_active` "
        "(with `enterprise_status`) unless the registry last announced the enterprise `active`"
    ),
    summary="Approve a project",
    description="`endorsed` -> `approved`, for an enterprise the registry last announced `active` "
    "(from `kz.sdo.supplier.status_changed.v1`). Publishes `kz.sdo.fund.project_approved.v1`: the orders it "
    "funds may be published from now on." + _FUND_WRITE,
)
async def approve_project(project_id: UUID, principal: Approver, cmd: CommandDep) -> Response:
    command = ApproveProject(project_id, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.approve_project(uow, command), present=_project_changed)


@router.post(
    "/projects/{project_id}/reject",
    response_model=ProjectPublic,
    tags=["projects"],
    responses=_status_conflict(),
    openapi_extra=_BODY_REQUIRED,
    summary="Reject a project",
    description="`submitted` or `endorsed` -> `rejected` (final); `reason` required." + _FUND_WRITE,
)
async def reject_project(
    project_id: UUID,
    principal: Rejecter,
    cmd: CommandDep,
    body: Annotated[ReasonBody, Body()] = None,  # type: ignore[assignment]
) -> Response:
    reason = required_body(body, "reason").reason  # type: ignore[attr-defined]
    command = RejectProject(project_id, reason, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.reject_project(uow, command), present=_project_changed)


@router.post(
    "/projects/{project_id}/close",
    response_model=ProjectPublic,
    tags=["projects"],
    responses=_status_conflict(),
    openapi_extra=_BODY_REQUIRED,
    summary="Close a project",
    description="`approved` -> `closed` (final): no more tranches or loans; loans granted run on. `reason` "
    "required. Publishes `kz.sdo.fund.project_closed.v1`: its orders may no longer be published." + _FUND_WRITE,
)
async def close_project(
    project_id: UUID,
    principal: Closer,
    cmd: CommandDep,
    body: Annotated[ReasonBody, Body()] = None,  # type: ignore[assignment]
) -> Response:
    reason = required_body(body, "reason").reason  # type: ignore[attr-defined]
    command = CloseProject(project_id, reason, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.close_project(uow, command), present=_project_changed)


@router.get(
    "/projects/{project_id}/history",
    response_model=Page[HistoryEntryPublic],
    tags=["projects"],
    summary="A project's history",
    description="Every step, oldest first: status moves, tranches disbursed and loans granted, who and when, "
    "the reason and the event that announced it." + _READ_NOTE,
)
async def project_history(
    project_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    if await reads.project(session, project_id, principal.supplier_scope) is None:
        raise _no_project(project_id)
    after = decode_cursor(cursor, int)
    rows = await reads.project_history(session, project_id, after[0] if after else None, limit)
    page, next_cursor = split_page(rows, limit, lambda r: [r.id])
    items = [HistoryEntryPublic.of(r) for r in page]
    return json_with_digest_etag(request, Page[HistoryEntryPublic](items=items, next_cursor=next_cursor))


@router.post(
    "/projects/{project_id}/milestones/{n}/complete",
    response_model=ProjectPublic,
    tags=["projects"],
    responses={
        **_status_conflict(
            "`project_not_approved` before approval or after closing; `tranche_already_disbursed` for a milestone "
            "completed before; `tranche_exceeds_budget`"
        ),
        404: {"description": "No such project, or no milestone `n` of it (`milestone_not_found`)."},
    },
    openapi_extra=_BODY_REQUIRED,
    summary="Complete a milestone",
    description="Milestone `n` is done, with its `evidence`: its tranche is disbursed, once, and "
    "`kz.sdo.fund.tranche_disbursed.v1` published. Only an approved project disburses." + _FUND_WRITE,
)
async def complete_milestone(
    project_id: UUID,
    n: MilestoneNumber,
    principal: Completer,
    cmd: CommandDep,
    body: Annotated[EvidenceBody, Body()] = None,  # type: ignore[assignment]
) -> Response:
    evidence = required_body(body, "evidence").evidence  # type: ignore[attr-defined]
    command = CompleteMilestone(project_id, n, evidence, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.complete_milestone(uow, command), present=_project_changed)


# Loans.


@router.post(
    "/projects/{project_id}/loans",
    status_code=201,
    response_model=LoanPublic,
    tags=["loans"],
    responses={
        **_created_headers("The loan, `active`"),
        **_status_conflict("`project_not_approved` unless the project is approved"),
        422: {
            "description": "Invalid terms, naming each field: `principal` above the budget not yet lent "
            "(`available` names it), `annual_rate` above `SDO_FUND_MAX_RATE`, `grace_months` not below the term."
        },
    },
    summary="Grant a loan",
    description="A low-interest loan to the project's enterprise: `principal` within the budget not yet lent, "
    "`annual_rate` at most `SDO_FUND_MAX_RATE` (default 5 %), `term_months` 1-240, `grace_months` of interest "
    "only (< term). The annuity schedule is `GET /api/v1/loans/{id}/schedule`. If-Match is the project's version."
    + _FUND_WRITE,
)
async def grant_loan(project_id: UUID, body: LoanCreate, principal: Lender, cmd: CommandDep) -> Response:
    command = GrantLoan(
        project_id=project_id,
        principal=body.principal.amount,
        annual_rate=body.annual_rate,
        term_months=body.term_months,
        grace_months=body.grace_months,
        actor=principal,
        expected=cmd.expected,
        start_date=body.start_date,
    )
    return await cmd.run(principal, lambda uow: handlers.grant_loan(uow, command), present=_loan_granted)


@router.get(
    "/loans",
    response_model=Page[LoanPublic],
    tags=["loans"],
    summary="List loans",
    description="Oldest first, cursor-paged; filters `project_id`, `status`." + _READ_NOTE,
)
async def list_loans(
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    project_id: Annotated[UUID | None, Query(description="Loans of this project.")] = None,
    status: LoanStatusName | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    where = reads.LoanFilter(project_id=project_id, status=status)
    found = await reads.loan_page(
        session, where, principal.supplier_scope, (after[0], after[1]) if after else None, limit
    )
    page, next_cursor = split_page(found, limit, lambda loan: [loan.granted_at.isoformat(), str(loan.id)])
    return json_with_digest_etag(
        request, Page[LoanPublic](items=[LoanPublic.of(loan) for loan in page], next_cursor=next_cursor)
    )


async def _loan(session: Any, loan_id: UUID, principal: Principal) -> Loan:
    found = await reads.loan(session, loan_id, principal.supplier_scope)
    if found is None:
        raise _no_loan(loan_id)
    return found


@router.get(
    "/loans/{loan_id}",
    response_model=LoanPublic,
    tags=["loans"],
    summary="Read a loan",
    description="Terms, status (`active`, `overdue`, `repaid`) and what is repaid and still to be paid, with "
    "`ETag`." + _READ_NOTE,
)
async def read_loan(
    loan_id: UUID, request: Request, principal: Reader, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    loan = await _loan(session, loan_id, principal)
    return json_with_etag(request, LoanPublic.of(loan), loan.version)


@router.get(
    "/loans/{loan_id}/schedule",
    response_model=SchedulePublic,
    tags=["loans"],
    summary="A loan's schedule",
    description="The annuity schedule: grace months of interest, then level payments, each row "
    "`{month, due_date, payment, interest, principal, balance}` in KZT to the tiyn (half up), the last payment "
    "absorbing rounding so the principal repaid equals `principal`. Each row also says what was paid towards it "
    "by today (the ministry's calendar) and whether it is `paid`, `past_due` or `open`." + _READ_NOTE,
)
async def read_schedule(
    loan_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    loan = await _loan(session, loan_id, principal)
    return json_with_digest_etag(request, SchedulePublic.of(loan, settings.policy().today()))


@router.post(
    "/loans/{loan_id}/repayments",
    status_code=201,
    response_model=RepaymentReceiptPublic,
    tags=["loans"],
    responses={
        **_created_headers("The repayment, with where the loan stands after it"),
        **_status_conflict("a `repaid` loan takes nothing more; `repayment_out_of_order` before the last one"),
        422: {"description": "`amount` above what is still to be paid (`remaining` names it), or `on` in the future."},
    },
    summary="Record a repayment",
    description="Money received on the loan, allocated oldest installment first (interest, then principal). "
    "The loan becomes `overdue` when an installment due before the day is still unpaid, `active` once the "
    "arrears are paid, `repaid` once everything is. If-Match is the loan's version." + _FUND_WRITE,
)
async def record_repayment(loan_id: UUID, body: RepaymentCreate, principal: Repayer, cmd: CommandDep) -> Response:
    command = RecordRepayment(loan_id, body.amount.amount, principal, cmd.expected, body.on)
    return await cmd.run(principal, lambda uow: handlers.record_repayment(uow, command), present=_repaid)


@router.get(
    "/loans/{loan_id}/repayments",
    response_model=Page[RepaymentPublic],
    tags=["loans"],
    summary="List a loan's repayments",
    description="In the order they were recorded, each with the installments it paid." + _READ_NOTE,
)
async def list_repayments(
    loan_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    loan = await _loan(session, loan_id, principal)
    after = decode_cursor(cursor, int)
    rest = [r for r in RepaymentPublic.all_of(loan) if after is None or r.seq > after[0]]
    page, next_cursor = split_page(rest[: limit + 1], limit, lambda r: [r.seq])
    return json_with_digest_etag(request, Page[RepaymentPublic](items=page, next_cursor=next_cursor))


@router.get(
    "/loans/{loan_id}/repayments/{seq}",
    response_model=RepaymentPublic,
    tags=["loans"],
    summary="Read a repayment",
    description="One repayment of a loan and the installments it paid; a repayment never changes." + _READ_NOTE,
)
async def read_repayment(
    loan_id: UUID,
    seq: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    loan = await _loan(session, loan_id, principal)
    repayments = RepaymentPublic.all_of(loan)
    if seq > len(repayments):
        raise NotFound(f"No repayment {seq} of loan {loan_id}.")
    return json_with_etag(request, repayments[seq - 1], 1)


# What the fund knows of enterprises, and its figures.


@router.get(
    "/enterprises/{enterprise_id}",
    response_model=EnterprisePublic,
    tags=["projects"],
    summary="An enterprise as the fund knows it",
    description="The registry status the fund last heard for an enterprise (from "
    "`kz.sdo.supplier.status_changed.v1`), which approval requires to be `active`. 404 while the fund has heard "
    "nothing of it." + _READ_NOTE,
)
async def read_enterprise(
    enterprise_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    found = await reads.enterprise(session, enterprise_id) if principal.can_see_supplier(enterprise_id) else None
    if found is None:
        raise NotFound(f"The fund has heard nothing of enterprise {enterprise_id}.")
    return json_with_etag(request, EnterprisePublic.of(found), found.version)


@router.get(
    "/analytics/fund",
    response_model=FundAnalyticsPublic,
    tags=["analytics"],
    summary="The fund's figures by category",
    description="For `repair`, `modernization` and `production`: projects (by status), the approved budget, "
    "tranches disbursed, lent, outstanding principal, overdue amounts and loans (judged today on the ministry's "
    "calendar), and `local_content_share`: the percent of lending to projects whose `local_content_target` is at "
    "least the category's KPI target (`SDO_KPI_TARGETS`, default 55, 35, 70). "
    "Roles: fund_officer, mod_officer, mic_officer, auditor, integration.",
)
async def fund_analytics(
    request: Request,
    principal: Analyst,
    session: ReadSessionDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    today = settings.policy().today()
    projects, loans = await reads.portfolio(session, today)
    figures = fund_figures(projects, loans, settings.kpi_target_map())
    return json_with_digest_etag(request, FundAnalyticsPublic.of(today, figures))
