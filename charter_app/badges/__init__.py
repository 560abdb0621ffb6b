"""Badges: the images of Charter awards and their Open Badges baking."""
