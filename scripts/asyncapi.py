"""Writes deploy/gateway/static/asyncapi.json: the events catalogue, an AsyncAPI 3.0
document generated from shared.contracts (shared.event_catalogue), which the gateway
serves at GET /api/v1/asyncapi.json next to the OpenAPI document.

    python scripts/asyncapi.py            # (re)write it
    python scripts/asyncapi.py --check    # exit 1 when it is out of date

The output is deterministic (sorted keys, 2-space indent, trailing newline), so
tests/contract/test_asyncapi_document.py can demand that the committed file is current.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.event_catalogue import document

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "deploy" / "gateway" / "static" / "asyncapi.json"


def generate() -> str:
    # The default exchange name: the document describes the suite as deployed, not one run.
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    # Imported here, not at the top: the tests load this file for generate() alone, without
    # scripts/ (the script's own folder when it runs) on sys.path.
    from _document_check import write_or_check
    return write_or_check("asyncapi", __doc__.split("\n\n")[0], OUT, lambda: (generate(), ""), argv)


if __name__ == "__main__":
    sys.exit(main())
