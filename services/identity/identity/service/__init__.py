"""Use cases: open a transaction, load through ``adapters``, let the ``domain`` decide, save,
and write events to the outbox in the same transaction. Commands (``commands``) come in;
domain errors (AppError with api.md's codes) go out."""
