"""The integration event envelope (architecture.md "Messaging rules") and the registry of
event types with the pydantic model of each version's ``data``."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, Field

from shared.tracing import current_trace_fields


def _absent(value: object) -> bool:
    return value is None


class Envelope(BaseModel):
    """Every event's wrapper: who published what, when, in answer to what; ``data`` is the
    payload of the registered model for (``type``, ``version``). Published as the AMQP body
    (JSON) to the events exchange with the type as routing key."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1)
    occurred_at: datetime
    producer: str
    correlation_id: str | None = None
    causation_id: str | None = None
    data: dict[str, Any]
    # W3C trace context of the span that wrote the event (CloudEvents' distributed-tracing
    # extension): the relay publishes, and the consumer continues, in that trace. Optional,
    # so events written before it existed stay valid; left out of the JSON when absent.
    traceparent: str | None = Field(default=None, max_length=55, exclude_if=_absent)
    tracestate: str | None = Field(default=None, max_length=512, exclude_if=_absent)


class UnknownEvent(ValueError):
    """A type/version this service has no model for: dead-lettered, never crashed on."""


_REGISTRY: dict[tuple[str, int], type[BaseModel]] = {}


ModelT = TypeVar("ModelT", bound=BaseModel)


def event_model(type_: str, version: int = 1) -> Callable[[type[ModelT]], type[ModelT]]:
    """Class decorator: register the pydantic model of an event's ``data``."""
    def register(model: type[ModelT]) -> type[ModelT]:
        _REGISTRY[(type_, version)] = model
        # Class attributes for the publishers; not fields, so not declared on the models.
        model.event_type = type_          # type: ignore[attr-defined]  # see above
        model.event_version = version     # type: ignore[attr-defined]  # see above
        return model
    return register


def registered() -> dict[tuple[str, int], type[BaseModel]]:
    """Every registered (type, version) and its data model (the events catalogue reads it)."""
    return dict(_REGISTRY)


def data_model(type_: str, version: int) -> type[BaseModel]:
    try:
        return _REGISTRY[(type_, version)]
    except KeyError:
        raise UnknownEvent(f"no model for {type_} v{version}") from None


def make_envelope(type_: str, data: BaseModel | dict[str, Any], *, producer: str,
                  correlation_id: str | None = None, causation_id: str | None = None,
                  version: int = 1, occurred_at: datetime | None = None,
                  event_id: uuid.UUID | None = None) -> Envelope:
    """The envelope of a new event, in the trace of the current span (if any)."""
    if isinstance(data, BaseModel):
        payload = data.model_dump(mode="json")
    else:
        # Validate plain dicts against the registered model when there is one.
        model = _REGISTRY.get((type_, version))
        payload = model.model_validate(data).model_dump(mode="json") if model else data
    return Envelope(id=event_id or uuid.uuid4(), type=type_, version=version,
                    occurred_at=occurred_at or datetime.now(timezone.utc), producer=producer,
                    correlation_id=correlation_id, causation_id=causation_id, data=payload,
                    **current_trace_fields())


@dataclass(frozen=True, slots=True)
class Cause:
    """What an event answers: ``correlation_id`` follows a whole conversation, the
    ``causation_id`` names the request or event that directly caused it."""
    correlation_id: str | None = None
    causation_id: str | None = None

    @classmethod
    def current(cls) -> Cause:
        """From the log context: the HTTP middleware binds ``request_id`` (and it as the
        correlation id), a consumer the handled event's ``correlation_id`` and ``event_id``."""
        context = structlog.contextvars.get_contextvars()
        return cls(context.get("correlation_id"), context.get("event_id") or context.get("request_id"))

    @classmethod
    def of(cls, envelope: Envelope) -> Cause:
        """Caused by a handled event: its correlation id carried on, its id as the cause."""
        return cls(envelope.correlation_id, str(envelope.id))


def envelope_of(data: BaseModel, *, producer: str, cause: Cause, occurred_at: datetime) -> Envelope:
    """``make_envelope`` for one contract model (its registered type and version): how the
    unit of work and every writer with its own statement make their events."""
    registered_as = type(data)
    return make_envelope(registered_as.event_type, data, producer=producer,  # type: ignore[attr-defined]  # event_model sets it
                         version=registered_as.event_version,  # type: ignore[attr-defined]  # event_model sets it
                         correlation_id=cause.correlation_id, causation_id=cause.causation_id,
                         occurred_at=occurred_at)


def parse_envelope(body: bytes) -> tuple[Envelope, BaseModel | None]:
    """Envelope plus its validated data model (None when the type is registered nowhere in
    this process but the consumer asked for raw data)."""
    env = Envelope.model_validate_json(body)
    model = data_model(env.type, env.version)
    return env, model.model_validate(env.data)
