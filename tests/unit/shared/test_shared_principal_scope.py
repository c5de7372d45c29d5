"""Supplier scoping: the supplier role always narrows a token to its own supplier."""

from uuid import uuid4

from shared.auth import Principal


def test_a_supplier_token_is_scoped_to_its_supplier() -> None:
    supplier_id = uuid4()
    principal = Principal(sub="s", roles=frozenset({"supplier"}), supplier_id=supplier_id)
    assert principal.supplier_scope == supplier_id
    assert principal.can_see_supplier(supplier_id) and not principal.can_see_supplier(uuid4())


def test_adding_a_role_to_a_supplier_token_does_not_widen_its_reach() -> None:
    supplier_id = uuid4()
    principal = Principal(sub="s", roles=frozenset({"supplier", "auditor"}), supplier_id=supplier_id)
    assert principal.supplier_scope == supplier_id
    assert not principal.can_see_supplier(uuid4())


def test_an_officer_sees_every_supplier() -> None:
    principal = Principal(sub="o", roles=frozenset({"mod_officer"}))
    assert principal.supplier_scope is None and principal.can_see_supplier(uuid4())
