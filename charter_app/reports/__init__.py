"""What the partnership publishes: the collective quarterly progress report."""
