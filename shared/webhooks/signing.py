"""Standard Webhooks signatures (https://www.standardwebhooks.com), symmetric scheme ``v1``.

The secret is ``whsec_`` + base64 of random bytes; the key is the decoded bytes. A message is
signed over ``"{webhook-id}.{webhook-timestamp}.{body}"`` with HMAC-SHA256, and sent as
``webhook-signature: v1,<base64 of the MAC>`` (several space-separated during a key rotation).
A few lines over the standard library, byte-exact on the body; the tests check them against the
specification's published vector and against its reference library, ``standardwebhooks``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
# The specification asks for 24 to 64 random bytes.
SECRET_BYTES = 32
# A receiver should refuse a timestamp further than this from its clock (replay protection).
TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(ValueError):
    """The headers do not carry a valid, fresh signature of the body."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` (Unix seconds, now) and ``webhook-signature``."""
    moment = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": sign(secret, msg_id, moment, body),
    }


def verify(secret: str, received: dict[str, str], body: bytes, *, now: float | None = None) -> None:
    """What a receiver does: raises ``InvalidSignature`` unless one ``v1`` signature matches a fresh timestamp."""
    lowered = {k.lower(): v for k, v in received.items()}
    msg_id, stamp, signatures = (lowered.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and stamp and signatures):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        moment = int(stamp)
    except ValueError as exc:
        raise InvalidSignature("webhook-timestamp is not Unix seconds") from exc
    if abs((time.time() if now is None else now) - moment) > TOLERANCE_SECONDS:
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = sign(secret, msg_id, moment, body)
    for candidate in signatures.split(" "):
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected.encode()):
            return
    raise InvalidSignature("no matching v1 signature")
