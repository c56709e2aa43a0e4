"""The events catalogue the gateway serves at GET /api/v1/asyncapi.json
(deploy/gateway/static/asyncapi.json, written by scripts/asyncapi.py from shared.contracts):

* the committed file is what the generator writes now, and the pinned @asyncapi/parser
  (package.json) finds no error in it (and does find one in a broken copy);
* every registered event (type, version) is a message on the channel of its routing key,
  with a description (the model's docstring) and an example that its model and the
  message's payload schema both accept;
* every event a service publishes, found in its code, is sent by that service in the
  catalogue, and every type a service binds its queues to is received by it.
"""
from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from shared.contracts.producers import ALLOWED_PRODUCERS, CONSUMED
from shared.event_catalogue import channel_id, contract_events, message_id
from shared.event_examples import EXAMPLES
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "deploy" / "gateway" / "static" / "asyncapi.json"
VALIDATOR = Path(__file__).with_name("validate_asyncapi.mjs")
PARSER = ROOT / "node_modules" / "@asyncapi" / "parser" / "package.json"
NODE = shutil.which("node")
REGENERATE = ".venv/bin/python scripts/asyncapi.py"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# scripts/ is no package; its generator is loaded as the script runs it.
asyncapi_script = _load("asyncapi_script", ROOT / "scripts" / "asyncapi.py")
# What each service binds its queues to, as tests/contract/test_event_producers.py finds it.
event_producers = _load("event_producers_for_asyncapi", Path(__file__).with_name("test_event_producers.py"))


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def _validate(path: Path) -> subprocess.CompletedProcess:
    if NODE is None or not PARSER.is_file():
        pytest.skip("node or node_modules/@asyncapi/parser missing: run scripts/setup")
    return subprocess.run([NODE, str(VALIDATOR), str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def _errors(result: subprocess.CompletedProcess) -> list[dict]:
    return [d for d in map(json.loads, result.stdout.splitlines()) if d["severity"] == 0]


def test_the_committed_document_is_current():
    assert DOCUMENT.read_text(encoding="utf-8") == asyncapi_script.generate(), \
        f"deploy/gateway/static/asyncapi.json is out of date: run {REGENERATE}"


def test_the_asyncapi_parser_finds_no_error():
    result = _validate(DOCUMENT)
    assert result.returncode == 0 and not _errors(result), result.stdout + result.stderr


def test_the_asyncapi_parser_refuses_a_broken_copy(doc, tmp_path):
    """The check above can fail: a message reference that leads nowhere is an error."""
    broken = copy.deepcopy(doc)
    channel = broken["channels"][channel_id("booking.confirmed")]
    channel["messages"][message_id("booking.confirmed", 1)] = {"$ref": "#/components/messages/nowhere"}
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = _validate(path)
    assert result.returncode == 1
    assert any("nowhere" in e["message"] for e in _errors(result)), result.stdout


def test_the_exchange_is_the_suites_default(doc):
    exchange = ServiceSettings.model_fields["events_exchange"].default
    for channel in doc["channels"].values():
        assert channel["bindings"]["amqp"]["exchange"] == {
            "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}
        assert channel["bindings"]["amqp"]["is"] == "routingKey"


@pytest.mark.parametrize("key", sorted(contract_events()), ids=lambda k: f"{k[0]}-v{k[1]}")
def test_every_registered_event_is_described_with_an_example(doc, key):
    event_type, version = key
    model = contract_events()[key]
    channel = doc["channels"][channel_id(event_type)]
    assert channel["address"] == event_type  # the routing key
    mid = message_id(event_type, version)
    assert channel["messages"][mid] == {"$ref": f"#/components/messages/{mid}"}
    message = doc["components"]["messages"][mid]
    assert message["payload"]["properties"]["type"] == {"const": event_type}
    assert message["payload"]["properties"]["version"] == {"const": version}
    assert model.__dict__.get("__doc__"), f"{model.__name__} needs a docstring: it is the event's description"
    assert message["description"] == inspect.cleandoc(model.__doc__)
    assert key in EXAMPLES, f"shared/event_examples.py needs an example of {event_type} v{version}"
    [example] = message["examples"]
    # The model accepts the example, and the message's payload schema the whole envelope.
    assert example["payload"]["data"] == model.model_validate(EXAMPLES[key]).model_dump(mode="json")
    schema = {"$ref": f"#/components/messages/{mid}/payload", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(example["payload"])
    headers = {"$ref": message["headers"]["$ref"], "components": doc["components"]}
    jsonschema.Draft202012Validator(headers).validate(example["headers"])
    assert example["headers"]["traceparent"] == example["payload"]["traceparent"]
    bad = copy.deepcopy(example["payload"])
    bad["type"] = "other.event"
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def _built_in(service: str) -> set[str]:
    """The event types whose data model the service's own code constructs (tests and
    testing helpers left out): what it publishes."""
    by_name = {model.__name__: event_type for (event_type, _), model in contract_events().items()}
    found = set()
    for path in (ROOT / "services" / service / service).rglob("*.py"):
        if {"tests", "testing"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in by_name:
                    found.add(by_name[name])
    return found


def _operations(doc: dict, action: str, service: str) -> set[str]:
    return {doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
            for op in doc["operations"].values()
            if op["action"] == action and {"name": service} in op["tags"]}


@pytest.mark.parametrize("service", list(CONSUMED))
def test_every_event_a_service_publishes_is_sent_by_it(doc, service):
    built = _built_in(service)
    assert built, f"no event model constructed in {service}'s code: the scan is broken"
    sent = _operations(doc, "send", service)
    assert built <= sent, f"{service} publishes {sorted(built - sent)}, missing from the catalogue"
    assert sent == {t for t, producers in ALLOWED_PRODUCERS.items() if service in producers}


@pytest.mark.parametrize("service", list(CONSUMED))
def test_every_type_a_service_binds_is_received_by_it(doc, service):
    assert _operations(doc, "receive", service) == event_producers.bindings()[service]
