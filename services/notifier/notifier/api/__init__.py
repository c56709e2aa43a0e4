"""The notifier's HTTP API: the SMS log, and its part of the OpenAPI document."""
