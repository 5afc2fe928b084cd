"""The landing dashboard."""
