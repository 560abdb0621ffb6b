"""Badges: earned from evidence, verifiable by anyone."""
