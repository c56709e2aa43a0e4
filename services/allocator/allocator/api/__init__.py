"""The allocator's HTTP API: the day's schedule, and its part of the OpenAPI document."""
