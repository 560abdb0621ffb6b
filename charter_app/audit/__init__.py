"""The staff audit log: every change made by staff, administrators and operators' commands."""
