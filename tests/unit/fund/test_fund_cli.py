"""`sdo` knows the fund: `sdo up` starts it on 8004, `sdo serve fund`, `sdo token --role fund_officer`."""

from __future__ import annotations

import jwt
import pytest

from services import cli
from shared.settings import DEV_JWT_SECRET


def test_the_fund_runs_on_port_8004_and_sdo_up_takes_its_port() -> None:
    assert cli.SERVICES["fund"] == 8004
    parser = cli.build_parser()
    assert parser.parse_args(["up"]).fund_port == 8004
    assert parser.parse_args(["up", "--fund-port", "9004"]).fund_port == 9004
    assert parser.parse_args(["serve", "fund"]).service == "fund"
    assert parser.parse_args(["dlq", "fund"]).service == "fund"


def test_sdo_token_signs_a_fund_officer_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SDO_JWT_SECRET", raising=False)
    assert cli.main(["token", "--role", "fund_officer"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), DEV_JWT_SECRET, algorithms=["HS256"], audience="sdo-api")
    assert (claims["roles"], claims["sub"]) == (["fund_officer"], "fund_officer")


def test_sdo_serve_fund_refuses_to_start_without_a_broker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SDO_AMQP_URL", raising=False)
    assert cli.main(["serve", "fund"]) == 2
    assert "SDO_AMQP_URL" in capsys.readouterr().err
