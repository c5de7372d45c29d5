"""Print the RabbitMQ password hash (rabbit_password_hashing_sha256) of a password, for definitions.json.

    python deploy/rabbitmq/password_hash.py 'the password'

The hash is base64(salt + SHA-256(salt + password)) with a random 4-byte salt, what RabbitMQ itself
stores. Put it in the user's ``password_hash`` before the broker first boots; on a running broker,
``rabbitmqctl change_password sdo-orders 'the password'`` does the same.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys


def password_hash(password: str, salt: bytes | None = None) -> str:
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def matches(password: str, stored: str) -> bool:
    salt = base64.b64decode(stored)[:4]
    return password_hash(password, salt) == stored


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(password_hash(sys.argv[1]))
