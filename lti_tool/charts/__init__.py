"""Charts drawn on the server as inline SVG, each with the same numbers as a table."""
