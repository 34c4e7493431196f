"""Placeholder: filled in by its owner."""

urls: list = []
