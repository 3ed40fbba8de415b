"""Read queries, one module per entity."""
