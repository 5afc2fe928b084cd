"""Notifications: the bell in the header, the list and its read marks, and a person's notification preferences."""
