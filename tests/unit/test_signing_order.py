"""The vistos buenos go in the order the author chose (issue 14, the send-to-firma form): the
order numbers of the form become the round's order, and the round enforces it — the second
reviewer cannot give a visto bueno before the first; the head signs last."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sgd_app import db
from sgd_app.domain import signing
from sgd_app.domain.errors import Forbidden, InvalidInput
from sgd_app.domain.signing.order import reviewer_order
from tests.conftest import principal
from tests.unit.test_drafting import _doc, _draft, _sign, pki, world  # noqa: F401  (fixtures)


def test_the_numbers_give_the_order_and_blanks_are_not_asked():
    assert reviewer_order({7: "2", 3: "1", 9: ""}) == [3, 7]
    assert reviewer_order({7: " 1 ", 3: "3", 5: "2"}) == [7, 5, 3]
    assert reviewer_order({}) == []


@pytest.mark.parametrize("raw", ["0", "10", "-1", "uno", "1.5"])
def test_a_number_out_of_range_is_refused_next_to_the_list(raw):
    with pytest.raises(InvalidInput) as err:
        reviewer_order({3: raw})
    assert err.value.field == "vistos" and "del 1 al 9" in err.value.message


def test_the_same_number_twice_is_refused_unless_all_at_once():
    with pytest.raises(InvalidInput, match="mismo número de orden"):
        reviewer_order({3: "1", 7: "1"})
    assert sorted(reviewer_order({3: "1", 7: "1"}, parallel=True)) == [3, 7]


def _queue(w, who) -> list[int]:
    with db.session(w["e"]) as s:
        return [d.id for _, d in signing.pending_for(s, who)]


def _send_in_order(w, doc_id, choices: list[tuple]):
    order = reviewer_order({p.user.id: n for p, n in choices})
    with db.write_session(w["e"]) as s:
        signing.send_to_sign(
            s,
            who=w["log"],
            doc_id=doc_id,
            version=_doc(w, doc_id).version,
            vistos=order,
            firmante_id=w["jefe"].user.id,
        )
    return order


@pytest.mark.parametrize("first_is_rop", [True, False])
def test_the_round_follows_the_chosen_order(world, pki, first_is_rop):  # noqa: F811
    w = world
    rop, gerente = principal(w["e"], "rop"), w["gerente"]
    first, second = (rop, gerente) if first_is_rop else (gerente, rop)
    doc_id = _draft(w)
    order = _send_in_order(w, doc_id, [(second, "2"), (first, "1")])
    assert order == [first.user.id, second.user.id]
    # Only the first sees it in /firma; the second (and the head) cannot act yet.
    assert _queue(w, first) == [doc_id] and _queue(w, second) == [] and _queue(w, w["jefe"]) == []
    with pytest.raises(Forbidden, match="vistos buenos anteriores"):
        _sign(w, pki, second, doc_id)
    with pytest.raises(Forbidden, match="vistos buenos anteriores"):
        _sign(w, pki, w["jefe"], doc_id)
    _sign(w, pki, first, doc_id)
    assert _queue(w, second) == [doc_id] and _queue(w, w["jefe"]) == []
    _sign(w, pki, second, doc_id)
    assert _queue(w, w["jefe"]) == [doc_id]
    _sign(w, pki, w["jefe"], doc_id)
    assert _doc(w, doc_id).status == "firmado"
    view = signing_trail(w)
    assert view[-3:] == [
        f"Visto bueno de {first.user.full_name}",
        f"Visto bueno de {second.user.full_name}",
        "Firmado por Ana Torres Delgado",
    ]


def signing_trail(w) -> list[str]:
    from sgd_app.domain import routing

    titles = [t["title"] for t in routing.case_view(w["log"], w["number"], engine=w["e"]).timeline]
    return [t for t in titles if t.startswith(("Visto bueno", "Firmado"))]


def test_batch_results_call_a_visto_bueno_by_its_name(world, pki):  # noqa: F811
    """/firma's results: "Visto bueno dado" for a visto bueno, "Firmado" for the firma."""
    from tests.unit.test_drafting import _ctx, _send, _step

    w = world
    doc_id = _draft(w)
    _send(w, doc_id, [w["gerente"]])
    (vb,) = signing.sign_batch(
        w["gerente"], [_step(w, w["gerente"], doc_id)], ctx=_ctx(pki), store=w["store"], engine=w["e"]
    )
    assert vb.ok and vb.message == "Visto bueno dado"
    (firma,) = signing.sign_batch(
        w["jefe"], [_step(w, w["jefe"], doc_id)], ctx=_ctx(pki), store=w["store"], engine=w["e"]
    )
    assert firma.ok and firma.message == "Firmado"


def test_the_batch_summary_names_vistos_buenos_and_firmas_apart():
    from sgd_app.domain.signing import BatchResult, batch_summary

    results = [
        BatchResult(step_id=1, ok=True, number="MEMORANDO N° 1", message="Firmado"),
        BatchResult(step_id=2, ok=True, number="INFORME N° 2", message="Visto bueno dado"),
        BatchResult(step_id=3, ok=False, number="", message="Aún faltan vistos buenos anteriores."),
    ]
    assert batch_summary(results, 3) == "2 de 3 listo(s): 1 firmado(s), 1 visto(s) bueno(s) dado(s)."
    assert batch_summary(results[1:2], 1) == "1 de 1 listo(s): 1 visto(s) bueno(s) dado(s)."


def test_the_case_page_shows_the_round_in_its_order(world, pki):  # noqa: F811
    from sgd_app.domain.models import Expediente
    from sgd_app.domain.routing.signature_trail import round_summaries
    from tests.unit.test_drafting import _step

    w = world
    rop = principal(w["e"], "rop")
    doc_id = _draft(w)
    with db.session(w["e"]) as s:
        case_id = s.exec(select(Expediente.id).where(Expediente.number == w["number"])).one()
    # A first round returned by the head, then a second with two vistos buenos in a chosen order.
    _send_in_order(w, doc_id, [])
    with db.write_session(w["e"]) as s:
        signing.reject(s, who=w["jefe"], step_id=_step(w, w["jefe"], doc_id), comment="Falta la referencia")
    _send_in_order(w, doc_id, [(w["gerente"], "2"), (rop, "1")])
    _sign(w, pki, rop, doc_id)
    text = round_summaries(case_id, engine=w["e"])[doc_id]
    assert text.startswith("1.º visto bueno: Patricia Chávez León (dado ")
    assert text.endswith(" · 2.º visto bueno: Elena Ríos Medina (pendiente) · Firma: Ana Torres Delgado (pendiente)")
    assert "devuelto" not in text  # the returned round is history (it is in the trail)
