"""Use cases: each opens one transaction, loads through adapters/, lets the domain decide,
saves, and writes its events to the outbox in that same transaction."""
