"""`make bench`: speed and size figures, printed, never asserted."""
