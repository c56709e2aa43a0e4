"""Operator commands, run by hand against a live system (see docs/operations.md).

    python -m shared.ops.replay_dead --queue <queue> [--list] [--dry-run] [--limit N]
"""
