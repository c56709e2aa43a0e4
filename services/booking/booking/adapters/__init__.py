"""asyncpg repositories: each takes the connection of the caller's transaction and holds
no state of its own. SQL lives here and nowhere else."""
