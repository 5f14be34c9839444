"""Portal models."""
