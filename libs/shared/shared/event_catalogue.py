"""The events catalogue: an AsyncAPI 3.0 document of every integration event, generated
from shared.contracts (the event_model registry, the producers table) so that it cannot
drift from what the services publish. scripts/asyncapi.py writes it to
deploy/gateway/static/asyncapi.json, served by the gateway at /api/v1/asyncapi.json.

One channel per event type: its address is the routing key (the type) on the topic
exchange. A message is the envelope (shared.events.Envelope, the AMQP body) with ``type``,
``version`` and ``data`` fixed to one registered model; its description is the model's
docstring and its example comes from shared.event_examples. The document covers the whole
suite, so each operation names the service doing it: ``send`` by the producers,
``receive`` by the services whose queues are bound to the type.
A model added with @event_model (and to the producers table) appears without a change here."""
from __future__ import annotations

import inspect
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared import contracts  # noqa: F401  (importing it registers every model)
from shared.contracts.producers import ALLOWED_PRODUCERS, CONSUMED
from shared.event_examples import EXAMPLES
from shared.events import Envelope, registered

AMQP_BINDING = "0.3.0"
REF = "#/components/schemas/{model}"
# The example envelopes' fixed parts, so that the document is the same on every run.
_EXAMPLE_NS = uuid.UUID("6f1c1b4e-8d2a-4c3e-9f5a-0b7d2e4c6a81")
_EXAMPLE_AT = datetime(2026, 12, 8, 7, 0, 0, tzinfo=timezone.utc)
_EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

DESCRIPTION = """\
The integration events of the card center suite, as other teams may subscribe to them.

Every event goes to the durable **topic exchange** named by `EVENTS_EXCHANGE` \
(`cardcenter.events` by default) with its **type as the routing key** \
(`booking.confirmed`): bind a queue with the types you want, or with a pattern \
(`booking.#`). The AMQP body is the JSON **envelope** (`Envelope`): `id` (unique, also the \
AMQP `message_id`; consumers drop a repeated one), `type`, `version`, `occurred_at`, \
`producer`, `correlation_id` (the request that caused it, also the AMQP `correlation_id`), \
`causation_id`, the W3C trace context (`traceparent`, `tracestate`, also sent as AMQP \
headers) and `data`, the payload of that type and version. Messages are persistent, \
published with confirms and `mandatory`; the AMQP `app_id` is the producer and `user_id` \
its broker user, which consumers check against the producers listed here.

Delivery is at least once (transactional outbox): consume idempotently by `id`. A new \
incompatible payload is a new `version` published beside the old one. Unroutable \
messages end in `<exchange>.unrouted`; a consumer that gives up dead-letters to \
`<exchange>.dead`.

Operations name the service that does them: `send` by the producers, `receive` by the \
services whose queues are bound to the type."""


def _camel(*parts: str) -> str:
    words = [w for p in parts for w in re.split(r"[._\-]", p) if w]
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


def channel_id(event_type: str) -> str:
    return _camel(event_type)


def message_id(event_type: str, version: int) -> str:
    return _camel(event_type, f"v{version}")


def _doc(model: type[BaseModel]) -> str | None:
    # inspect.getdoc would hand back BaseModel's own docstring for a model without one.
    doc = model.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if doc else None


def schemas(models: list[type[BaseModel]]) -> tuple[dict[str, Any], dict[type[BaseModel], str]]:
    """components.schemas (the envelope and every payload model, references between them
    pointing into the same object) and the name pydantic gave each model there."""
    every: list[type[BaseModel]] = [Envelope, *models]
    refs, top = models_json_schema([(m, "validation") for m in every], ref_template=REF)
    names = {m: refs[(m, "validation")]["$ref"].rsplit("/", 1)[1] for m in every}
    return dict(sorted(top["$defs"].items())), names


def _example(event_type: str, version: int, model: type[BaseModel], producer: str) -> dict[str, Any]:
    data = model.model_validate(EXAMPLES[(event_type, version)]).model_dump(mode="json")
    envelope = Envelope(id=uuid.uuid5(_EXAMPLE_NS, f"{event_type}/{version}"), type=event_type,
                        version=version, occurred_at=_EXAMPLE_AT, producer=producer,
                        correlation_id="9d3b6f1a2c4e4b8d8f0a1c3e5b7d9f2a", data=data,
                        traceparent=_EXAMPLE_TRACEPARENT)
    return {"name": f"{message_id(event_type, version)}Example",
            "summary": f"{event_type} v{version} as {producer} publishes it",
            "headers": {"traceparent": _EXAMPLE_TRACEPARENT},
            "payload": envelope.model_dump(mode="json")}


def _message(event_type: str, version: int, model: type[BaseModel], producers: list[str],
             schema_name: str) -> dict[str, Any]:
    doc = _doc(model)
    message: dict[str, Any] = {
        "name": event_type,
        "title": f"{event_type} v{version}",
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/AmqpHeaders"},
        "correlationId": {"$ref": "#/components/correlationIds/envelope"},
        "payload": {
            "allOf": [{"$ref": REF.format(model="Envelope")}],
            "properties": {"type": {"const": event_type}, "version": {"const": version},
                           "producer": {"enum": producers} if producers else {"type": "string"},
                           "data": {"$ref": REF.format(model=schema_name)}},
        },
        "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP_BINDING}},
        "tags": [{"name": p} for p in producers],
    }
    if doc:
        message["summary"] = doc.split("\n\n")[0].replace("\n", " ")
        message["description"] = doc
    if (event_type, version) in EXAMPLES:
        message["examples"] = [_example(event_type, version, model, producers[0] if producers else "unknown")]
    return message


def _consumers(event_type: str) -> list[str]:
    return sorted(s for s, types in CONSUMED.items() if event_type in types)


def contract_events() -> dict[tuple[str, int], type[BaseModel]]:
    """The registered events of the contracts: those the producers table names (a test may
    register events of its own in the same process; they are not part of the catalogue)."""
    return {key: model for key, model in registered().items() if key[0] in ALLOWED_PRODUCERS}


def document(exchange: str = "cardcenter.events") -> dict[str, Any]:
    """The AsyncAPI 3.0 document (a plain dict, JSON-ready)."""
    models = contract_events()
    ordered = sorted(models.items())
    names, by_model = schemas([m for _, m in ordered])
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for (event_type, version), model in ordered:
        producers = sorted(ALLOWED_PRODUCERS.get(event_type, ()))
        cid, mid = channel_id(event_type), message_id(event_type, version)
        messages[mid] = _message(event_type, version, model, producers, by_model[model])
        channel = channels.setdefault(cid, {
            "address": event_type,
            "title": event_type,
            "description": f"Routing key `{event_type}` on the topic exchange `{exchange}`.",
            "messages": {},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                "bindingVersion": AMQP_BINDING}},
        })
        channel["messages"][mid] = {"$ref": f"#/components/messages/{mid}"}
        ref_channel = {"$ref": f"#/channels/{cid}"}
        ref_message = {"$ref": f"#/channels/{cid}/messages/{mid}"}
        for service in producers:
            op = operations.setdefault(_camel(service, "sends", event_type), {
                "action": "send", "channel": ref_channel, "title": f"{service} publishes {event_type}",
                "tags": [{"name": service}], "messages": [],
                "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING}}})
            op["messages"].append(ref_message)
        for service in _consumers(event_type):
            op = operations.setdefault(_camel(service, "receives", event_type), {
                "action": "receive", "channel": ref_channel, "title": f"{service} consumes {event_type}",
                "tags": [{"name": service}], "messages": [],
                "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}}})
            op["messages"].append(ref_message)
    names["AmqpHeaders"] = {
        "type": "object",
        "description": "AMQP application headers: the W3C trace context of the span that published "
                       "the event (the same as the envelope's, when it has one).",
        "properties": {"traceparent": {"type": "string", "maxLength": 55,
                                       "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
                       "tracestate": {"type": "string", "maxLength": 512}},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Card center events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {"broker": {
            "host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "The suite's RabbitMQ (AMQP_URL; locally 127.0.0.1:5672, vhost /). "
                           "Each service connects as a broker user of its own."}},
        "channels": channels,
        "operations": dict(sorted(operations.items())),
        "components": {
            "schemas": dict(sorted(names.items())),
            "messages": messages,
            "correlationIds": {"envelope": {
                "description": "The request (X-Request-ID) or event that caused this one; also "
                               "the AMQP correlation_id.",
                "location": "$message.payload#/correlation_id"}},
        },
    }
