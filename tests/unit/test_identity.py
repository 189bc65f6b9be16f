"""Filer identity: document numbers, e-mail and phone (sgd_app/domain/identity.py)."""

from __future__ import annotations

import pytest

from sgd_app.domain import identity
from sgd_app.domain.identity import (
    format_document,
    is_valid_ruc,
    normalize_document,
    normalize_email,
    normalize_phone,
    ruc_check_digit,
)

WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)  # SUNAT's published weights, written out independently


def sunat_digit(first_ten: str) -> int:
    """SUNAT modulo 11, computed here without the module: 11 - (sum % 11), 10 -> 0, 11 -> 1."""
    rest = 11 - sum(int(c) * w for c, w in zip(first_ten, WEIGHTS, strict=False)) % 11
    return rest - 10 if rest >= 10 else rest


def with_check(first_ten: str) -> str:
    return first_ten + str(sunat_digit(first_ten))


def msg(excinfo) -> str:
    return str(excinfo.value)


# ---------------------------------------------------------------- DNI
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("41234567", "41234567"),
        (" 41 234 567 ", "41234567"),
        ("41.234.567", "41234567"),
        ("41-234-567", "41234567"),
        ("00012345", "00012345"),  # leading zeros kept
    ],
)
def test_dni_accepted(raw, expected):
    assert normalize_document("DNI", raw) == expected


@pytest.mark.parametrize("raw", ["4123456", "412345678", "4123456A", "A1234567"])
def test_dni_refused(raw):
    with pytest.raises(ValueError) as e:
        normalize_document("DNI", raw)
    assert msg(e) == "El DNI debe tener 8 dígitos."


@pytest.mark.parametrize(
    "doc_type, raw",
    [
        ("DNI", "４１２３４５６７"),  # full-width digits (East Asian keyboards, copy-paste)
        ("DNI", "٤١٢٣٤٥٦٧"),  # Arabic-Indic digits
        ("CE", "００１２３４５６７"),
        ("RUC", "20１３１３７０９９８"),
    ],
)
def test_non_ascii_digits_refused(doc_type, raw):
    # Python's \d matches any Unicode digit; such numbers must not be stored as a second,
    # different identity of the same person.
    with pytest.raises(ValueError, match="dígitos"):
        normalize_document(doc_type, raw)


def test_is_valid_ruc_with_non_ascii_digits_is_false_not_an_error():
    assert not is_valid_ruc("20１３１３７０９９８")
    assert not is_valid_ruc("2013137099²")  # str.isdigit() is True for '²' but int('²') fails


def test_empty_number_and_unknown_type():
    with pytest.raises(ValueError) as e:
        normalize_document("DNI", "  ")
    assert msg(e) == "Escriba el número de documento."
    with pytest.raises(ValueError) as e:
        normalize_document("DNI", None)  # type: ignore[arg-type]
    assert "número de documento" in msg(e)
    with pytest.raises(ValueError) as e:
        normalize_document("LE", "41234567")
    assert msg(e) == "Elija el tipo de documento."


# ---------------------------------------------------------------- RUC
def test_reference_rucs_are_valid_by_independent_computation():
    # Real RUCs; their last digit matches SUNAT's algorithm computed in this file.
    for ruc in ("20131370998", "20100047218"):
        assert sunat_digit(ruc[:10]) == int(ruc[10]) == 8
        assert is_valid_ruc(ruc)
        assert ruc_check_digit(ruc[:10]) == 8
        assert normalize_document("RUC", ruc) == ruc


def test_check_digit_agrees_with_independent_computation_including_10_and_11():
    seen = set()
    for n in range(2000):
        first_ten = f"20{n * 7919 % 10**8:08d}"
        seen.add(11 - sum(int(c) * w for c, w in zip(first_ten, WEIGHTS, strict=False)) % 11)
        assert ruc_check_digit(first_ten) == sunat_digit(first_ten), first_ten
    assert {10, 11} <= seen  # the two wrap-around cases were exercised
    # worked by hand: 2*5 + 1*2 = 12, 12 % 11 = 1, 11 - 1 = 10 -> 0
    assert ruc_check_digit("2000000001") == 0
    # 1*5 + 3*2 = 11, 11 % 11 = 0, 11 - 0 = 11 -> 1
    assert ruc_check_digit("1000000003") == 1
    # 1*5 + 4*2 = 13, 13 % 11 = 2, 11 - 2 = 9
    assert ruc_check_digit("1000000004") == 9


@pytest.mark.parametrize("prefix", ["10", "15", "16", "17", "20"])
def test_every_allowed_prefix_accepted(prefix):
    ruc = with_check(prefix + "45678901")
    assert normalize_document("RUC", ruc) == ruc
    assert normalize_document("RUC", f" {ruc[:2]}-{ruc[2:10]}-{ruc[10]} ") == ruc


@pytest.mark.parametrize("ruc", ["20131370998", "20100047218"])
def test_ruc_with_last_digit_changed_refused(ruc):
    for wrong in {str(d) for d in range(10)} - {ruc[10]}:
        bad = ruc[:10] + wrong
        assert not is_valid_ruc(bad)
    bad = ruc[:10] + str((int(ruc[10]) + 1) % 10)
    with pytest.raises(ValueError) as e:
        normalize_document("RUC", bad)
    assert msg(e) == "El RUC no es válido: revise los dígitos (el último es de verificación)."


def test_ruc_with_a_middle_digit_changed_refused():
    assert not is_valid_ruc("20131370898")
    with pytest.raises(ValueError, match="verificación"):
        normalize_document("RUC", "20131370898")


@pytest.mark.parametrize("prefix", ["30", "11", "21", "00", "99"])
def test_ruc_with_wrong_prefix_refused_even_with_right_check_digit(prefix):
    ruc = with_check(prefix + "13137099")
    assert sunat_digit(ruc[:10]) == int(ruc[10])  # the check digit itself is fine
    assert not is_valid_ruc(ruc)
    with pytest.raises(ValueError) as e:
        normalize_document("RUC", ruc)
    assert "RUC no es válido" in msg(e)


@pytest.mark.parametrize("raw", ["2013137099", "201313709981", "2013137099A", "RUC20131370998"])
def test_ruc_wrong_length_or_letters_refused(raw):
    with pytest.raises(ValueError) as e:
        normalize_document("RUC", raw)
    assert msg(e) == "El RUC debe tener 11 dígitos."


def test_is_valid_ruc_rejects_non_digits_and_wrong_length():
    assert not is_valid_ruc("2013137099")
    assert not is_valid_ruc("2013137099X")
    assert not is_valid_ruc("")


# ---------------------------------------------------------------- CE and passport
def test_carne_de_extranjeria():
    assert normalize_document("CE", "001234567") == "001234567"
    assert normalize_document("CE", "001 234 567") == "001234567"
    for bad in ("01234567", "0012345678", "00123456X"):
        with pytest.raises(ValueError) as e:
            normalize_document("CE", bad)
        assert msg(e) == "El carné de extranjería debe tener 9 dígitos."


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ab1234", "AB1234"),
        ("X12345678901", "X12345678901"),
        ("ab-12 345", "AB12345"),
        ("123456", "123456"),
    ],
)
def test_passport_accepted(raw, expected):
    assert normalize_document("PAS", raw) == expected


@pytest.mark.parametrize("raw", ["AB123", "X123456789012", "AB#1234", "AB_1234", "ÑA12345"])
def test_passport_refused(raw):
    with pytest.raises(ValueError) as e:
        normalize_document("PAS", raw)
    assert msg(e) == "El pasaporte debe tener entre 6 y 12 letras o números."


def test_format_document():
    assert format_document("CE", "001234567") == "Carné de extranjería 001234567"
    assert format_document("DNI", "41234567") == "DNI 41234567"
    assert format_document("XX", "1") == "XX 1"
    assert set(identity.DOC_TYPES) == {"DNI", "CE", "RUC", "PAS"}


# ---------------------------------------------------------------- e-mail
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Juan.Perez@Example.PE ", "Juan.Perez@example.pe"),
        ("mesadepartes@jne.gob.pe", "mesadepartes@jne.gob.pe"),
        ("rosa.quispe+tramite@Correo.COM.pe", "rosa.quispe+tramite@correo.com.pe"),
    ],
)
def test_email_normalised(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "juan",
        "juan@",
        "@correo.pe",
        "juan perez@correo.pe",
        "juan@@correo.pe",
        "juan@correo",
        "juan@localhost",
        "juan@correo..pe",
    ],
)
def test_email_refused(raw):
    with pytest.raises(ValueError) as e:
        normalize_email(raw)
    assert msg(e) == "El correo electrónico no es válido (ejemplo: nombre@correo.pe)."
    assert e.value.__cause__ is None  # the library's English message is not chained


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_email_missing(raw):
    with pytest.raises(ValueError) as e:
        normalize_email(raw)
    assert msg(e) == "Escriba su correo electrónico: allí le enviaremos el cargo."


# ---------------------------------------------------------------- phone
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("987654321", "987654321"),
        ("987 654 321", "987654321"),
        ("987-654-321", "987654321"),
        ("+51 987 654 321", "987654321"),
        ("+51987654321", "987654321"),
        ("(01) 426-1234", "014261234"),  # Lima landline with area code
        ("4261234", "4261234"),
        ("(084) 23-4567", "084234567"),  # Cusco landline
        ("+51 1 4261234", "14261234"),
        ("+1 (202) 555-0143", "+12025550143"),  # foreign
        ("+34 912 345 678", "+34912345678"),
    ],
)
def test_phone_accepted(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["887654321", "98765432a", "12345", "9876543210", "+51 12345", "+51 887654321", "celular", "４２６１２３４"]
)
def test_phone_refused_domestic(raw):
    with pytest.raises(ValueError) as e:
        normalize_phone(raw)
    assert "9 dígitos" in msg(e) and "empezar con 9" in msg(e)


@pytest.mark.parametrize("raw", ["+1234567", "+1234567890123456", "+1 202 555 01x3", "+１２０２５５５０１４３"])
def test_phone_refused_international(raw):
    with pytest.raises(ValueError) as e:
        normalize_phone(raw)
    assert msg(e) == "El teléfono internacional debe tener entre 8 y 15 dígitos."


@pytest.mark.parametrize("raw", ["", "  ", None, "()-"])
def test_phone_missing(raw):
    with pytest.raises(ValueError) as e:
        normalize_phone(raw)
    assert msg(e) == "Escriba un número de teléfono o celular."
