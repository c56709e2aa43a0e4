"""Use cases: compute a day's schedule from its snapshot and record it with its event."""
