"""A refusal as the problem+json document kept with an Idempotency-Key (and replayed):
the document shared.http.statuses.problem_of sends for the same error."""
from __future__ import annotations

from typing import Any

import orjson

from shared.errors import AppError
from shared.http.statuses import problem_body


def refusal_document(error: AppError) -> tuple[int, dict[str, Any]]:
    """(status, body) as JSON would give them back."""
    body = problem_body(error)
    return body["status"], orjson.loads(orjson.dumps(body, default=str))
