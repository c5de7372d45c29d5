"""docs/openapi/<service>.json and docs/asyncapi.yaml are what `sdo docs` generates from the code now.

The first test regenerates them in memory from the composition root's registry and compares: a route,
a payload model or a declaration changed without `sdo docs` fails it, naming the stale files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from services import cli
from services.cli import SERVICES
from shared.asyncapi import suite_document
from shared.documents import generated_files, stale_files
from tests.integration.docs.conftest import ROOT, service_apps


def test_the_committed_documents_are_the_generated_ones() -> None:
    files = generated_files(service_apps())
    assert set(files) == {f"openapi/{name}.json" for name in SERVICES} | {"asyncapi.yaml"}
    stale = stale_files(ROOT / "docs", files)
    assert not stale, f"stale under docs/: {stale}; run `sdo docs` and commit the result"


def test_the_documents_are_the_apps_openapi_and_the_suites_asyncapi() -> None:
    apps = service_apps()
    files = generated_files(apps)
    for name, app in apps.items():
        assert json.loads(files[f"openapi/{name}.json"]) == app.openapi()
    specs = [app.state.service_spec for app in apps.values()]
    assert yaml.safe_load(files["asyncapi.yaml"]) == json.loads(json.dumps(suite_document(specs)))


def test_sdo_docs_writes_the_documents_and_check_names_a_stale_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "docs"
    assert cli.main(["docs", "--dir", str(target)]) == 0
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == sorted(
        [f"openapi/{name}.json" for name in SERVICES] + ["asyncapi.yaml"]
    )
    assert cli.main(["docs", "--dir", str(target), "--check"]) == 0

    (target / "openapi" / "orders.json").write_text("{}\n")
    (target / "openapi" / "retired.json").write_text("{}\n")
    capsys.readouterr()
    assert cli.main(["docs", "--dir", str(target), "--check"]) == 1
    stderr = capsys.readouterr().err
    assert "openapi/orders.json" in stderr and "openapi/retired.json" in stderr
    assert "asyncapi.yaml" not in stderr

    assert cli.main(["docs", "--dir", str(target)]) == 0
    assert not (target / "openapi" / "retired.json").exists()
    assert cli.main(["docs", "--dir", str(target), "--check"]) == 0
