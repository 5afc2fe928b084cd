"""Search: the results page; the box in the header of every signed-in page is in base.html."""
