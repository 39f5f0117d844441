"""15-character Salesforce ids are widened to 18 with Salesforce's checksum, wherever ids are read."""

from __future__ import annotations

import pandas as pd

from wcsf_recon.tables.sfid import to_18, widen_ids

# Known pairs published with the conversion: codegolf.stackexchange.com/questions/69127 test cases,
# gammone.com's worked example, and the READMEs named beside the last three
PAIRS = {
    "a01M00000062mPg": "a01M00000062mPgIAI",
    "001M000000qfPyS": "001M000000qfPySIAU",
    "a0FE000000D6r3F": "a0FE000000D6r3FMAR",
    "0F9E000000092w2": "0F9E000000092w2KAA",
    "aaaaaaaaaaaaaaa": "aaaaaaaaaaaaaaaAAA",
    "AbCdEfGhIjKlMnO": "AbCdEfGhIjKlMnOVKV",
    "aBcDEfgHIJKLMNO": "aBcDEfgHIJKLMNO025",
    "a0D30000001n7Pi": "a0D30000001n7PiEAI",
    "a0RE000000IJmcN": "a0RE000000IJmcNMAT",
    "70130000001tcyI": "70130000001tcyIAAQ",  # salesforce_id_formatter gem README
    "001550V000WOQZi": "001550V000WOQZiACP",  # Packagist kawtharstudios/sf15to18 README
    "00558000001N0Ke": "00558000001N0KeAAK",  # PyPI salesforce_id_converter README
}


def test_known_pairs_one_by_one_and_vectorized():
    for short, long in PAIRS.items():
        assert to_18(short) == long
    column = pd.Series([*PAIRS, "0035g0000000201AAA", None, "12345"], dtype="str")
    widened = widen_ids(column)
    assert list(widened[: len(PAIRS)]) == list(PAIRS.values())
    assert widened.iloc[len(PAIRS)] == "0035g0000000201AAA"  # already 18: unchanged
    assert pd.isna(widened.iloc[len(PAIRS) + 1])
    assert widened.iloc[-1] == "12345"
