"""The one error an Open311 view turns into the standard's error list."""


class Open311Error(Exception):
    """Bad input (400), a refused key (403), something not found (404), too many (429)."""

    def __init__(self, status: int, description: str, *, headers: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)
