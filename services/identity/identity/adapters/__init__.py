"""asyncpg repositories: plain functions over a connection the use case holds inside its
transaction. They translate rows to domain objects and unique violations to domain errors;
they decide nothing."""
