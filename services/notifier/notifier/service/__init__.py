"""Use cases and workers: record a message, send it, sweep what nobody is sending, the backlog gauges."""
