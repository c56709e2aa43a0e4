"""The write-or-check step of the scripts that generate a committed document
(scripts/openapi.py, scripts/asyncapi.py): without ``--check`` write it, with ``--check``
exit 1 when the committed file differs from what was generated (CI's check). Not a script
itself; the scripts import it from their own folder."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_or_check(name: str, description: str, out: Path, generate: Callable[[], tuple[str, str]],
                   argv: list[str] | None = None) -> int:
    """``generate()`` gives the document's text and a note for the messages (may be empty);
    ``name`` is the script's (scripts/<name>.py). Returns the exit code."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    args = parser.parse_args(argv)
    text, note = generate()
    rel = out.relative_to(ROOT)
    note = f" ({note})" if note else ""
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        if current != text:
            print(f"{name}: {rel} is out of date: run python scripts/{name}.py", file=sys.stderr)
            return 1
        print(f"{name}: {rel} is up to date{note}")
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"{name}: wrote {rel}{note}")
    return 0
