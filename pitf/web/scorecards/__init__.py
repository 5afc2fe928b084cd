"""Agency scorecards."""
