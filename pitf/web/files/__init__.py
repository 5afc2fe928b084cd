"""Documents and calendars: attachments, iCalendar downloads and feeds."""
