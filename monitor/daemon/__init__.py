"""`monitor run`: the unattended daemon (scheduler, single active instance, signals)."""
