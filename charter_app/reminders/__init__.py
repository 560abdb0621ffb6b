"""Reminders: when each reminder falls due (schedule.py), in one place staff can read."""
