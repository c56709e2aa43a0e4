"""The fake card-center API: the web client and canned answers, for browser tests and scripts/mock."""
