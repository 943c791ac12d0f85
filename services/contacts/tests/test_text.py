"""Romanian text: NFC, comma-below letters, and the folded search key."""

import unicodedata

import pytest
from punte_contacts.text import normalize_optional, normalize_text, search_key


def test_cedilla_letters_become_comma_below() -> None:
    assert normalize_text("Timi\u015foara \u0162ara \u015e\u0163") == "Timișoara Țara Șț"


def test_decomposed_input_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Ștefan Brădean")
    assert normalize_text(decomposed) == "Ștefan Brădean"
    assert len(normalize_text(decomposed)) == len("Ștefan Brădean")


@pytest.mark.parametrize("text", ["Timișoara", "Timişoara", "TIMIȘOARA", "timisoara", "TIMIŞOARA"])
def test_every_spelling_of_timisoara_shares_one_key(text: str) -> None:
    assert search_key(text) == "timisoara"


def test_the_key_folds_every_romanian_letter_and_punctuation() -> None:
    assert search_key("Ăă Ââ Îî Șș Țț") == "aa aa ii ss tt"
    assert search_key("  Fabrica   de Bere „Timișoreana” S.R.L. ") == (
        "fabrica de bere timisoreana s r l"
    )
    assert search_key("Cîmpeanu", None, "") == "cimpeanu"


def test_optional_text_turns_blank_into_none() -> None:
    assert normalize_optional("   ") is None
    assert normalize_optional(None) is None
    assert normalize_optional(" Timiş ") == "Timiș"
