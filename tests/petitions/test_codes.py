"""Tracking codes, references and secrets: their format and their randomness."""

import re
from collections import Counter

from townhall.petitions.codes import _ALPHABET, new_case_reference, new_secret, new_tracking_code


def test_the_formats():
    assert re.fullmatch(rf"TH-[{_ALPHABET}]{{4}}-[{_ALPHABET}]{{4}}", new_tracking_code())
    assert re.fullmatch(rf"VV-2027-[{_ALPHABET}]{{8}}", new_case_reference(2027))
    assert re.fullmatch(r"[0-9]{6}", new_secret())


def test_every_character_and_position_is_drawn_evenly():
    codes = [new_case_reference(2027)[-8:] for _ in range(4000)]
    assert len(set(codes)) == len(codes)
    expected = len(codes) / len(_ALPHABET)  # ~129 per character and position
    for position in range(8):
        counts = Counter(code[position] for code in codes)
        assert set(counts) == set(_ALPHABET)
        assert all(0.5 * expected < n < 1.5 * expected for n in counts.values()), counts
    digits = Counter("".join(new_secret() for _ in range(2000)))
    assert all(0.8 * 1200 < n < 1.2 * 1200 for n in digits.values()), digits
