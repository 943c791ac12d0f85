"""Identifier checks and normal forms: CUI, trade register, e-mail, phone (field paths kept)."""

from collections.abc import Callable, Iterable, Sequence

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from punte_platform.errors import FieldErrors
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.ro import cui as ro_cui
from stdnum.ro import onrc as ro_onrc

PHONE_REGION = "RO"


def normalize_cui(value: str) -> str:
    """The CUI's digits (an `RO` prefix and spaces accepted); ValueError if the check fails."""
    try:
        return str(ro_cui.validate(value))
    except StdnumValidationError as error:
        raise ValueError(f"not a valid CUI: {error}") from None


def looks_like_cui(value: str) -> str | None:
    """The CUI's digits if a search text is a valid CUI, else None."""
    try:
        return normalize_cui(value)
    except ValueError:
        return None


def normalize_trade_register(value: str) -> str:
    """The trade register number in its compact form (old `J35/1234/2005` or 2024 form)."""
    try:
        return str(ro_onrc.validate(value))
    except StdnumValidationError as error:
        raise ValueError(f"not a valid trade register number: {error}") from None


def normalize_email(value: str) -> str:
    """The e-mail address normalised (domain lowercased); no DNS lookups."""
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid e-mail address: {error}") from None


def normalize_phone(value: str) -> str:
    """The phone number in E.164 (national numbers read as Romanian)."""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_list(
    errors: FieldErrors,
    field: str,
    values: Sequence[str],
    normalize: Callable[[str], str],
) -> list[str]:
    """Each value normalised, duplicates dropped (first kept); errors at `[field, index]`."""
    result: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(values):
        try:
            normal = normalize(value)
        except ValueError as error:
            errors.add([field, index], str(error))
            continue
        if normal.casefold() not in seen:
            seen.add(normal.casefold())
            result.append(normal)
    return result


def unique_texts(values: Iterable[str]) -> list[str]:
    """Values without repeats (case-insensitive), in their first order."""
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return result
