"""Tracking codes a citizen can read over the phone: no 0/O, 1/I/L confusion."""

import secrets

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_tracking_code() -> str:
    return f"TH-{_random(4)}-{_random(4)}"


def new_case_reference(year: int) -> str:
    return f"VV-{year}-{_random(8)}"  # 31^8 ≈ 8.5e11: no collisions at a million a year


def new_secret() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(6))
