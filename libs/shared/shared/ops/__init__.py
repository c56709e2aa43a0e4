"""Operator commands, run by hand against a live system (see docs/operations.md).

    python -m shared.ops.replay_dead --queue <queue> [--list] [--dry-run] [--limit N]
    python -m shared.ops.restore_drill [--workdir DIR] [--backup-only | --from-dump FILE] [--keep]
"""
