"""Domain exceptions. state/ turns them into a message next to a field; api/ into a 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the business makes. ``message`` is Spanish, shown to people."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Bad input for one field (``field`` names the form field the message goes next to)."""

    status_code = 422

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class InvalidInputs(DomainError):
    """Several fields are wrong at once; ``errors`` maps field -> Spanish message."""

    status_code = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__("Revise los datos marcados.")
        self.errors = dict(errors)


class Forbidden(DomainError):
    status_code = 403


class NotAuthenticated(DomainError):
    status_code = 401


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after
