"""Social value reporting: quarterly self-reports against pledges, gross and net figures."""
