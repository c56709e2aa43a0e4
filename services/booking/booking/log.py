"""The service's logger (structlog, JSON, request and correlation ids bound by the shared
middleware and consumer)."""
from shared.logging import get_logger

log = get_logger("booking")
