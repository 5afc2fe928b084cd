"""Business rules: keyword-only functions taking the session and the acting user."""
