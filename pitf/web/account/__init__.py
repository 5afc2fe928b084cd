"""A person's own account: password, time zone, API tokens."""
