"""Advisory Council recommendations and the agencies' responses."""
