"""Errors services raise for bad input: each names the field and says in Swedish what is wrong."""

from __future__ import annotations


class ValidationFailed(Exception):
    """One or more fields are wrong; nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
