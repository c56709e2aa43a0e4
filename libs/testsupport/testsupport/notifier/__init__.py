"""Test helpers for the notifier (and for end-to-end tests of the whole suite)."""
