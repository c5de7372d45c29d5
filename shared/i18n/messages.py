"""Every English text the kernel answers problems with: the msgids of the catalogues (``sdo.pot``).

``python -m shared.i18n.catalogue`` writes ``sdo.pot`` from these lists, brings each language's
``.po`` up to date (new msgids empty, gone ones dropped) and compiles the ``.mo`` files. Placeholders
are ``str.format`` fields (``{path}``); a translation may leave any of them out or reorder them.
"""

from __future__ import annotations

import http

# RFC 9110 renamed a few reason phrases that Python's http.HTTPStatus still spells the old way.
RFC_9110_TITLES = ("Content Too Large", "URI Too Long", "Range Not Satisfiable", "Unprocessable Content")

# Problem titles: a fixed set, the reason phrases of every client and server error.
TITLES: tuple[str, ...] = tuple(s.phrase for s in http.HTTPStatus if s >= 400) + RFC_9110_TITLES

# Problem details the kernel writes itself (shared/http, shared/auth, shared/webhooks) and the
# messages of the shared domain error kinds (shared/errors.py). Those built with values are
# templates: the kernel's own code passes the template and its values; text that was formatted
# elsewhere is matched against the templates to recover them.
DETAILS: tuple[str, ...] = (
    # shared/http/problems.py
    "The request body is not valid JSON.",
    "An unexpected error occurred; it has been logged.",
    "The request conflicts with an existing resource.",
    "A value in the request cannot be stored or compared (too long, out of range, or invalid characters).",
    "No resource at {path}.",
    "{method} is not allowed on {path}.",
    "Invalid input: {fields}",
    # shared/auth.py
    "The token has expired.",
    "The token is not valid: {reason}.",
    "The token's sub claim must be 1 to {max} characters.",
    "The token's roles claim must be a list of role names.",
    "A supplier token must carry no other role.",
    "A supplier token must carry a supplier_id (UUID).",
    "A bearer token is required.",
    "This action needs one of the roles: {roles}.",
    # shared/http/idempotency.py, edge.py, ratelimit.py, ops.py, docs.py
    "A request with this Idempotency-Key is still being processed; retry shortly.",
    "The Idempotency-Key was already used with a different request body.",
    "The request body is larger than {limit} bytes, the most this service accepts.",
    "Too many requests from this caller: the limit is {limit}. Retry after {retry_after} s.",
    "Not ready: {down} down.",
    "The database is not answering now; retry shortly.",
    "No asset {asset}.",
    # shared/webhooks
    "No webhook {webhook_id}.",
    "This caller already holds {max} webhooks (SDO_WEBHOOK_MAX_PER_OWNER); delete one first.",
    # shared/errors.py: the domain error kinds every service raises
    "cannot {action} {article} {resource} in status {current_status}; allowed now: {allowed}",
    "cannot {action} {article} {resource} in status {current_status}; allowed now: none",
    "If-Match {expected} does not match the current version {current_version}.",
)

# ``errors[].message`` of 422 answers: the kernel's own, and the commonest of pydantic's.
FIELD_MESSAGES: tuple[str, ...] = (
    "not a cursor this API issued",
    "this key was already used with a different request",
    "must be 1 to {max} visible ASCII characters (inner spaces allowed)",
    "at least one technical requirement is needed",
    "matches no event type this service publishes",
    "Field required",
    "Extra inputs are not permitted",
    "String should have at least {min_length} character",
    "String should have at least {min_length} characters",
    "String should have at most {max_length} character",
    "String should have at most {max_length} characters",
    "Input should be greater than {gt}",
    "Input should be greater than or equal to {ge}",
    "Input should be less than {lt}",
    "Input should be less than or equal to {le}",
    "Input should be a valid integer",
    "Input should be a valid integer, unable to parse string as an integer",
    "Input should be a valid string",
    "Input should be a valid number, unable to parse string as a number",
    "Input should be a valid boolean",
    "Input should be a valid list",
    "Input should be a valid dictionary or object to extract fields from",
)

ALL: tuple[str, ...] = tuple(dict.fromkeys((*TITLES, *DETAILS, *FIELD_MESSAGES)))
