"""Webhooks: a service's events POSTed to the systems that subscribed to them.

A subscription names a URL and the event types (or patterns) it wants. At commit, the unit of
work writes one delivery row per matching subscription in the same transaction as the event's
outbox row (``fanout``), so a delivery exists exactly when its event committed. The service's
dispatcher (``dispatcher``) POSTs each one as a CloudEvent in HTTP binary mode, signed the
Standard Webhooks way (``signing``), to destinations the egress policy admits (``destinations``),
retrying with exponential backoff and jitter until a 2xx, or parking it after the last attempt.
The routes (``routes``) let a caller register, list, read and delete its subscriptions and read
each delivery's attempts.
"""
