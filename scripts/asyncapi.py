"""Writes deploy/gateway/static/asyncapi.json: the events catalogue, an AsyncAPI 3.0
document generated from shared.contracts (shared.event_catalogue), which the gateway
serves at GET /api/v1/asyncapi.json next to the OpenAPI document.

    python scripts/asyncapi.py            # (re)write it
    python scripts/asyncapi.py --check    # exit 1 when it is out of date

The output is deterministic (sorted keys, 2-space indent, trailing newline), so
tests/contract/test_asyncapi_document.py can demand that the committed file is current.
"""
from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    args = parser.parse_args(argv)
    text = generate()
    rel = OUT.relative_to(ROOT)
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else None
        if current != text:
            print(f"asyncapi: {rel} is out of date: run python scripts/asyncapi.py", file=sys.stderr)
            return 1
        print(f"asyncapi: {rel} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"asyncapi: wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
