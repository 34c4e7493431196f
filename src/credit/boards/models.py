"""Models of the boards app."""
