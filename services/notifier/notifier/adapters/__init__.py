"""asyncpg repositories (the messages, the shared rate) and the SMS providers."""
