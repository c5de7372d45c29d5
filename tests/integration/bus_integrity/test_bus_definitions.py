"""The deployment files grant each service's broker user what the code's ownership map says, and no more."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from shared.messaging import ownership, topology
from tests.integration.bus_integrity.broker_users import ROOT, definitions

sys.path.insert(0, str(ROOT / "deploy/rabbitmq"))
from password_hash import matches

SERVICES = list(ownership.DOMAINS)
# Routing keys each service must be able to publish, and some it must not.
SAMPLES = {
    "orders": ["order.published", "order.contracted", "order.cancelled"],
    "suppliers": ["supplier.award_confirmed", "supplier.status_changed"],
    "quality": ["quality.lot_accepted", "quality.nonconformance_dispositioned"],
    "fund": ["fund.project_approved", "fund.tranche_disbursed"],
}


def users() -> dict[str, dict[str, object]]:
    return {u["name"]: u for u in definitions()["users"]}


def test_every_service_has_a_broker_user_with_no_tags_and_a_valid_password_hash() -> None:
    declared = users()
    for service in SERVICES:
        user = declared[ownership.broker_user(service)]
        assert user["tags"] == [], service  # no administrator, no impersonator: its user_id is its own
        assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        # The development password docker-compose uses: `<user>-dev`.
        assert matches(f"{user['name']}-dev", str(user["password_hash"])), service
    admins = [name for name, u in declared.items() if "administrator" in u["tags"]]  # type: ignore[operator]
    assert admins == ["sdo-admin"]
    assert matches("sdo-admin-dev", str(declared["sdo-admin"]["password_hash"]))


@pytest.mark.parametrize("service", SERVICES)
def test_topic_permissions_let_a_service_publish_its_own_routing_keys_only(service: str) -> None:
    user = ownership.broker_user(service)
    topics = [t for t in definitions()["topic_permissions"] if t["user"] == user]
    assert len(topics) == 1, topics
    (topic,) = topics
    assert (topic["vhost"], topic["exchange"]) == ("/", topology.EXCHANGE)
    assert topic["write"] == ownership.topic_write_pattern(service)
    pattern = re.compile(topic["write"])
    for other, keys in SAMPLES.items():
        for key in keys:
            assert bool(pattern.search(key)) == (other == service), (service, key)
    assert pattern.search(ownership.CHECKPOINT_ROUTING_KEY)
    assert not pattern.search(f"x{SAMPLES[service][0]}") and not pattern.search(f"{SAMPLES[service][0]}.x.y")


@pytest.mark.parametrize("service", SERVICES)
def test_vhost_permissions_reach_the_service_queues_only(service: str) -> None:
    user = ownership.broker_user(service)
    (permission,) = [p for p in definitions()["permissions"] if p["user"] == user]
    configure, write, read = (re.compile(permission[k]) for k in ("configure", "write", "read"))
    own = [topology.queue_name(service), topology.dead_letter_queue_name(service)]
    shared = [topology.EXCHANGE, topology.DEAD_LETTER_EXCHANGE, topology.UNROUTED_EXCHANGE, topology.UNROUTED_QUEUE]
    for name in own + shared:
        assert configure.search(name), name
    assert read.search(topology.queue_name(service)) and read.search(topology.EXCHANGE)
    for other in SERVICES:
        if other != service:
            for name in (topology.queue_name(other), topology.dead_letter_queue_name(other)):
                assert not (configure.search(name) or write.search(name) or read.search(name)), (service, name)
    # Not the default exchange: a service cannot drop a message straight into another's queue.
    assert not write.search("amq.default")
    assert not read.search(topology.dead_letter_queue_name(service))  # dead letters are the operators'


def test_definitions_carry_every_service_queue_and_dead_letter_queue() -> None:
    queues = {q["name"]: q["arguments"] for q in definitions()["queues"]}
    for service in SERVICES:
        assert queues[topology.queue_name(service)] == topology.queue_arguments(service)
        assert queues[topology.dead_letter_queue_name(service)] == topology.dead_letter_queue_arguments()


def test_compose_connects_each_service_as_its_own_user_and_maps_the_publishers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if name not in ownership.DOMAINS:
            continue
        env = service["environment"]
        url = env[f"SDO_{name.upper()}_AMQP_URL"]
        user = ownership.broker_user(name)
        assert url == f"amqp://{user}:{user}-dev@rabbitmq:5672/"
        assert ownership.parse_publishers(env["SDO_BUS_PUBLISHERS"]) == {s: ownership.broker_user(s) for s in SERVICES}
        assert "@" not in env["SDO_AMQP_URL"]  # no shared credentials
        assert env["SDO_AUDIT_PEERS"]
    volumes = compose["services"]["rabbitmq"]["volumes"]
    assert "./deploy/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro" in volumes
    conf = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions.json" in conf
    assert all(not str(p).startswith("15672") for p in compose["services"]["rabbitmq"]["ports"])


def test_kubernetes_gives_each_deployment_its_own_broker_url_and_maps_the_publishers() -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy/k8s/namespace.yaml").read_text()))
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    assert ownership.parse_publishers(config["SDO_BUS_PUBLISHERS"]) == {s: ownership.broker_user(s) for s in SERVICES}
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        name = path.stem
        if name not in ownership.DOMAINS:
            continue
        deployment = next(d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Deployment")
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        ref = env[f"SDO_{name.upper()}_AMQP_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "sdo-amqp", "key": name}


def test_the_password_hash_script_prints_a_hash_rabbitmq_accepts() -> None:
    from password_hash import password_hash

    stored = password_hash("s3cret")
    assert matches("s3cret", stored) and not matches("s3cret!", stored)
    assert password_hash("s3cret") != stored  # salted
    assert Path(ROOT / "deploy/rabbitmq/password_hash.py").exists()
