"""Errors a user can cause, kept free of heavy imports so the CLI starts fast."""


class ExtractError(Exception):
    """A problem with the analyst's files that stops a run; the message says what to fix."""
