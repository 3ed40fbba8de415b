"""Services by capability: each small, each given its dependencies (database, settings, clock)."""
