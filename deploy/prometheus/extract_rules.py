#!/usr/bin/env python3
"""Write the PrometheusRule's spec (deploy/k8s/prometheus-rules.yaml) as a plain Prometheus
rules file, which is what promtool reads:

    python deploy/prometheus/extract_rules.py /tmp/cardcenter.rules.yaml
    promtool check rules /tmp/cardcenter.rules.yaml
    cp deploy/prometheus/tests/*.yaml /tmp/ && (cd /tmp && promtool test rules *.test.yaml)

The unit tests under deploy/prometheus/tests/ name it ``cardcenter.rules.yaml`` (beside them)."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

RULE = Path(__file__).resolve().parents[1] / "k8s" / "prometheus-rules.yaml"
RULES_FILE = "cardcenter.rules.yaml"


def rules_document(source: Path = RULE) -> dict:
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert doc["kind"] == "PrometheusRule", doc["kind"]
    return {"groups": doc["spec"]["groups"]}


def write_rules(target: Path, document: dict | None = None) -> Path:
    target.write_text(yaml.safe_dump(document or rules_document(), sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return target


if __name__ == "__main__":
    write_rules(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(RULES_FILE))
