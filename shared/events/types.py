"""Event type names of contract section 6, in one place."""

from enum import StrEnum


class EventType(StrEnum):
    ORDER_PUBLISHED = "kz.sdo.order.published.v1"
    ORDER_AWARD_REQUESTED = "kz.sdo.order.award_requested.v1"
    ORDER_AWARD_PENDING = "kz.sdo.order.award_pending.v1"
    ORDER_CONTRACTED = "kz.sdo.order.contracted.v1"
    ORDER_IN_PRODUCTION = "kz.sdo.order.in_production.v1"
    ORDER_SUBMITTED_FOR_INSPECTION = "kz.sdo.order.submitted_for_inspection.v1"
    ORDER_INSPECTION = "kz.sdo.order.inspection.v1"
    ORDER_ACCEPTED = "kz.sdo.order.accepted.v1"
    ORDER_REWORK = "kz.sdo.order.rework.v1"
    ORDER_SHIPPED = "kz.sdo.order.shipped.v1"
    ORDER_DELIVERED = "kz.sdo.order.delivered.v1"
    ORDER_CLOSED = "kz.sdo.order.closed.v1"
    ORDER_CANCELLED = "kz.sdo.order.cancelled.v1"
    ORDER_DRAFT = "kz.sdo.order.draft.v1"
    SUPPLIER_AWARD_CONFIRMED = "kz.sdo.supplier.award_confirmed.v1"
    SUPPLIER_AWARD_DECLINED = "kz.sdo.supplier.award_declined.v1"
    SUPPLIER_STATUS_CHANGED = "kz.sdo.supplier.status_changed.v1"
    QUALITY_LOT_ACCEPTED = "kz.sdo.quality.lot_accepted.v1"
    QUALITY_LOT_REJECTED = "kz.sdo.quality.lot_rejected.v1"
    # Part II (contract section 11).
    ORDER_AMENDED = "kz.sdo.order.amended.v1"
    ORDER_DELIVERY_SHORT = "kz.sdo.order.delivery_short.v1"
    QUALITY_NONCONFORMANCE_DISPOSITIONED = "kz.sdo.quality.nonconformance_dispositioned.v1"
    QUALITY_INSPECTION_DISCONTINUED = "kz.sdo.quality.inspection_discontinued.v1"
    # Extension: the responsible authority lifted a discontinuation (POST /plans/{order_id}/resume).
    QUALITY_INSPECTION_RESUMED = "kz.sdo.quality.inspection_resumed.v1"
    FUND_PROJECT_APPROVED = "kz.sdo.fund.project_approved.v1"
    FUND_PROJECT_CLOSED = "kz.sdo.fund.project_closed.v1"
    FUND_TRANCHE_DISBURSED = "kz.sdo.fund.tranche_disbursed.v1"
    AUDIT_CHECKPOINT = "kz.sdo.audit.checkpoint.v1"


def order_status_event(status: str) -> EventType:
    """The ``kz.sdo.order.<status>.v1`` type every order transition publishes."""
    return EventType(f"kz.sdo.order.{status}.v1")
