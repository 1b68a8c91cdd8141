"""Sub-command groups of ``perpdex``; each module exposes ``app: typer.Typer``."""
