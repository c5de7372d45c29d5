"""KnownVersions: final answers are kept whatever the commit signal says, in a bounded LRU; the
others only while the signal hears every commit (never on SQLite)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from shared.commits import CommitSignal, KnownVersions


def _known() -> KnownVersions:
    db: Any = SimpleNamespace(is_postgres=False)  # SQLite: the signal never hears other processes
    return KnownVersions(CommitSignal(db, "orders"))


def test_an_answer_that_may_change_is_not_kept_where_commits_go_unheard() -> None:
    known = _known()
    known.keep("status", 1, known.stamp())
    assert known.get("status") is None


def test_a_final_answer_is_kept_across_commits() -> None:
    known = _known()
    known.keep_final("page", b"[1,2]")
    known.signal.notify()
    assert known.get("page") == b"[1,2]"


def test_final_answers_are_bounded_least_recently_used_first() -> None:
    known = _known()
    known.final_size = 2
    known.keep_final("a", 1)
    known.keep_final("b", 2)
    assert known.get("a") == 1  # "b" is now the least recently used
    known.keep_final("c", 3)
    assert known.get("b") is None
    assert (known.get("a"), known.get("c")) == (1, 3)


def test_with_the_cache_off_nothing_is_kept() -> None:
    db: Any = SimpleNamespace(is_postgres=False)
    known = KnownVersions(CommitSignal(db, "orders"), enabled=False)
    known.keep_final("page", b"[]")
    assert known.get("page") is None
