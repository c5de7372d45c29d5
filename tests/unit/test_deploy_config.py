"""deploy/ and docker-compose.yml stay true to the code: ports, commands, probes, topology."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from services.cli import SERVICES, build_parser
from shared.messaging import topology

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_every_service_on_its_contract_port_with_a_broker_and_postgres() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, port in SERVICES.items():
        service = compose["services"][name]
        assert service["command"] == [name, "--port", str(port)]
        build_parser().parse_args(["serve", *service["command"]])
        env = service["environment"]
        assert env["SDO_AMQP_URL"].startswith("amqp://")
        assert env["SDO_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["SDO_DATABASE_URL"].endswith(f"/sdo_{name}")
        assert service["deploy"]["replicas"] >= 2
    assert {"postgres", "rabbitmq"} <= compose["services"].keys()


def test_every_service_database_is_created_by_the_postgres_init_script() -> None:
    init = (ROOT / "deploy/postgres/init.sql").read_text()
    for name in SERVICES:
        assert f"CREATE DATABASE sdo_{name};" in init


def test_kubernetes_deployments_probe_health_and_readiness_on_the_service_port() -> None:
    for name, port in SERVICES.items():
        docs = list(yaml.safe_load_all((ROOT / f"deploy/k8s/{name}.yaml").read_text()))
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == [name, "--port", str(port)]
        assert container["ports"][0]["containerPort"] == port
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        service = next(d for d in docs if d["kind"] == "Service")
        assert service["spec"]["ports"][0]["port"] == port
        # Each deployment connects to the broker as its own user, under its own service's variable.
        amqp = [e for e in container["env"] if e["name"].endswith("_AMQP_URL")]
        assert [e["name"] for e in amqp] == [f"SDO_{name.upper()}_AMQP_URL"]
        assert amqp[0]["valueFrom"]["secretKeyRef"] == {"name": "sdo-amqp", "key": name}


def test_compose_gives_each_service_its_own_broker_user() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in SERVICES:
        url = compose["services"][name]["environment"][f"SDO_{name.upper()}_AMQP_URL"]
        assert url.startswith(f"amqp://sdo-{name}:")


def test_rabbitmq_definitions_match_the_topology_the_services_declare() -> None:
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    queues = {q["name"]: q["arguments"] for q in definitions["queues"]}
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    assert exchanges[topology.EXCHANGE]["type"] == "topic"
    assert exchanges[topology.EXCHANGE]["arguments"] == topology.exchange_arguments()
    assert exchanges[topology.DEAD_LETTER_EXCHANGE]["type"] == "direct"
    for name in SERVICES:
        assert queues[topology.queue_name(name)] == topology.queue_arguments(name)
        assert queues[topology.dead_letter_queue_name(name)] == topology.dead_letter_queue_arguments()
    assert queues[topology.UNROUTED_QUEUE] == topology.unrouted_queue_arguments()


def test_the_image_runs_sdo_serve() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert 'ENTRYPOINT ["sdo", "serve"]' in dockerfile
