"""The notifier's rules as plain Python, no I/O: texts, masking, statuses, the retry policy."""
