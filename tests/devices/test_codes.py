"""Box codes and production codes: what people type, what the registry accepts."""

import pytest

from devices import codes

BOX = codes.make_box_code(12_345_678_901)
HOLDER = codes.make_unit_code(codes.HOLDER, 12_345_678_901)
CHARGER = codes.make_unit_code(codes.CHARGER, 98_765_432_109)


def single_digit_errors(code, start):
    for position in range(start, len(code)):
        for digit in "0123456789":
            if digit != code[position]:
                yield code[:position] + digit + code[position + 1 :]


def adjacent_swaps(code, start):
    for position in range(start, len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            yield code[:position] + b + a + code[position + 2 :]


def test_generated_codes_are_valid():
    assert codes.parse_box_code(BOX) == BOX
    assert codes.parse_unit_code(HOLDER) == HOLDER
    assert codes.parse_unit_code(CHARGER) == CHARGER


@pytest.mark.parametrize("code", [BOX, codes.make_box_code(10_000_000_001)])
def test_every_single_digit_error_in_a_box_code_is_rejected(code):
    typos = list(single_digit_errors(code, 0))
    assert len(typos) == 12 * 9
    for typo in typos:
        with pytest.raises(codes.CodeError) as error:
            codes.parse_box_code(typo)
        assert error.value.reason == "check_digit"


@pytest.mark.parametrize("code", [BOX, codes.make_box_code(90_817_263_540)])
def test_every_adjacent_swap_in_a_box_code_is_rejected(code):
    swaps = list(adjacent_swaps(code, 0))
    assert swaps
    for swap in swaps:
        with pytest.raises(codes.CodeError, match="mistyped"):
            codes.parse_box_code(swap)


@pytest.mark.parametrize("code", [HOLDER, CHARGER])
def test_every_single_digit_error_and_adjacent_swap_in_a_unit_code_is_rejected(code):
    for typo in [*single_digit_errors(code, 1), *adjacent_swaps(code, 1)]:
        with pytest.raises(codes.CodeError) as error:
            codes.parse_unit_code(typo)
        assert error.value.reason == "check_digit"


@pytest.mark.parametrize(
    "typed",
    [
        "1234 5678 9012",
        "1234-5678-9012",
        " 1234–5678—9012 ",  # en and em dashes pasted from a document
        "I234 S678 9OI2",  # look-alike letters in digit positions
        "l234 s678 9ol2",
        "１２３４５６７８９０１２",  # full-width digits
    ],
)
def test_box_code_input_is_normalised(typed):
    expected = "123456789012"
    # The digits above are only a shape; compare after normalising the same way.
    assert codes.normalise(typed).translate(str.maketrans("OQILZSB", "0011258")) == expected


def test_look_alike_letters_read_as_the_digits_people_meant():
    # O and Q as 0, I and L as 1, Z as 2, S as 5, B as 8
    tricky = codes.make_box_code(10_258_000_011)  # 1 0 2 5 8 0 0 0 0 1 1 + check
    typed = (
        tricky.replace("0", "O", 1)
        .replace("1", "I", 1)
        .replace("2", "Z")
        .replace("5", "S")
        .replace("8", "B")
    )
    typed = typed[:6] + "q" + typed[7:]  # another zero as a lower-case q
    assert typed != tricky
    assert codes.parse_box_code(typed.lower()) == tricky


def test_unit_code_normalisation_keeps_the_kind_letter():
    spaced = "h " + " ".join(HOLDER[1:5]) + "-" + HOLDER[5:]
    assert codes.parse_unit_code(spaced) == HOLDER
    assert codes.parse_unit_code(CHARGER.lower().replace("0", "o")) == CHARGER


@pytest.mark.parametrize(
    ("typed", "reason", "message"),
    [
        ("", "empty", "Enter the twelve-digit box code."),
        ("12345", "length", "A box code has 12 digits; this one has 5."),
        ("1234567890123", "length", "A box code has 12 digits; this one has 13."),
        ("12345678901X", "characters", "A box code contains digits only."),
        (HOLDER, "unit_code", "This is a production code of a single unit, not a box code."),
    ],
)
def test_box_code_errors_say_what_is_wrong(typed, reason, message):
    with pytest.raises(codes.CodeError) as error:
        codes.parse_box_code(typed)
    assert error.value.reason == reason
    assert str(error.value.message) == message


@pytest.mark.parametrize(
    ("typed", "reason", "message"),
    [
        ("", "empty", "Enter the production code."),
        ("X12345678901", "prefix", "A production code starts with H (holder) or C (charger)."),
        (BOX, "box_code", "This is a box code, not the code of a single unit."),
        ("H1234", "length", "A production code has 13 characters; this one has 5."),
        (
            "H12345#789012",
            "characters",
            "After the letter H or C, a production code contains digits only.",
        ),
    ],
)
def test_unit_code_errors_say_what_is_wrong(typed, reason, message):
    with pytest.raises(codes.CodeError) as error:
        codes.parse_unit_code(typed)
    assert error.value.reason == reason
    assert str(error.value.message) == message


def test_a_charger_code_in_the_holder_field_is_named_as_such():
    with pytest.raises(codes.CodeError) as error:
        codes.parse_unit_code(CHARGER, expected_kind=codes.HOLDER)
    assert error.value.reason == "kind"
    assert error.value.kind == codes.CHARGER
    assert "looks like a charger code" in str(error.value.message)


def test_a_holder_code_in_the_charger_field_is_named_as_such():
    with pytest.raises(codes.CodeError, match="looks like a holder code"):
        codes.parse_unit_code(HOLDER, expected_kind=codes.CHARGER)


def test_codes_are_shown_grouped():
    assert codes.format_box_code("123456789012") == "1234 5678 9012"
    assert codes.format_unit_code("H123456789012") == "H 1234 5678 9012"
