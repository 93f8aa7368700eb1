"""Internal helpers shared by the description layer (registries, values, defaults)."""
