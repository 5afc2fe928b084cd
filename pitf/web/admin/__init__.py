"""Administration: users, agencies, committees, memberships."""
