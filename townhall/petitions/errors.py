"""Errors a service raises; the UI shows them beside the field, the API as problem+json."""


class PetitionError(Exception):
    """Bad input or a rule broken: a 4xx whose message names the field and the rule."""

    status = 422

    def __init__(self, message: str, *, field: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class TransitionNotAllowed(PetitionError):
    status = 409


class StaleVersion(PetitionError):
    """Someone else changed the case first (optimistic versioning): 409 with the current state."""

    status = 409

    def __init__(self, message: str, *, current: dict):
        super().__init__(message, field="version")
        self.current = current
