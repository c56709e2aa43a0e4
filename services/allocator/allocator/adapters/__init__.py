"""asyncpg repositories: SQL over the connection the caller holds inside its transaction."""
