"""Demo data for a running local system (scripts/demo): accounts, enterprises, bookings and
a served past day, all through the gateway's API, so frontend teams see a lived-in system."""
