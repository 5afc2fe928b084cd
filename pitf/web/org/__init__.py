"""Committees and agencies."""
