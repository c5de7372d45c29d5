from shared.events.envelope import CloudEvent, routing_key_for
from shared.events.types import EventType, order_status_event

__all__ = ["CloudEvent", "EventType", "order_status_event", "routing_key_for"]
