"""Action items: the list, each item with its history, and the secretariat's forms."""
