"""The wizard's step in the URL (?paso=N) and where the focus goes after a failed Continuar."""

from __future__ import annotations

from sgd_app.state.intake_steps import STEP_ANCHOR, first_invalid, url_step


def test_the_url_names_the_step_one_based_and_anything_else_is_the_first():
    assert [url_step(v) for v in ("1", "2", "5")] == [0, 1, 4]
    assert [url_step(v) for v in ("", "0", "-3", "x", "99", "2.5", "1" * 500)] == [0, 0, 0, 0, 4, 0, 4]


def test_focus_goes_to_the_first_wrong_field_in_screen_order():
    errors = {"email": "mal", "doc_number": "mal", "general": "x"}
    assert first_invalid(errors, [], desk=False) == "doc_number"
    assert first_invalid({"kind": "x", "name": "y"}, [], desk=False) == "kind-ciudadano"
    assert first_invalid({"field_multa": "x", "subject": "y"}, ["multa"], desk=False) == "subject"
    assert first_invalid({"field_multa": "x"}, ["multa"], desk=False) == "campo-multa"
    assert first_invalid({"principal": "x"}, [], desk=False) == "principal"
    assert first_invalid({"principal": "x"}, [], desk=True) == "principal-escaneo"
    assert first_invalid({"anexos": "x", "declaration": "y"}, [], desk=False) == "anexo"
    assert first_invalid({"privacy": "x", "declaration": "y"}, [], desk=False) == "datos-personales-leido"
    assert first_invalid({"general": "x"}, [], desk=False) == STEP_ANCHOR
    assert first_invalid({"email": ""}, [], desk=False) == STEP_ANCHOR  # an empty message is no error
