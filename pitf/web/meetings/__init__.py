"""Meetings: planning, agendas, attendance, and minutes."""
