"""Events: meet-the-buyer days with 1:1 appointments, webinars and workshops (DESIGN.md
section 4)."""
