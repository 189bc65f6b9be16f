"""What each procedure asks for before starting (requirements, annexes, fee, deadline), the
"Solicitud general", and a catalogue seed that is idempotent and silent when nothing changes."""

from __future__ import annotations

from sqlmodel import func, select

from sgd_app import db, seed
from sgd_app.domain import intake, records
from sgd_app.domain.models import AuditEvent, Procedure


def _audit_count(engine) -> int:
    with db.session(engine) as s:
        return s.exec(select(func.count()).select_from(AuditEvent)).one()


def test_every_public_procedure_says_what_it_needs_costs_and_takes(seeded):
    procs = intake.offered_procedures(engine=seeded)
    assert procs[-1].code == "SOL-GEN"  # the catch-all comes last
    for p in procs:
        assert p.requirements, p.code
        assert p.fee == "Gratuito" or p.fee.startswith("S/ "), p.code
    enc = intake.procedure_offer("INS-ENC", engine=seeded)
    assert enc.required_annexes == ["Vigencia de poder del representante legal"]
    assert any("vigencia de poder" in r.lower() for r in enc.requirements)
    general = intake.procedure_offer("SOL-GEN", engine=seeded)
    assert general.name == "Solicitud general" and general.fee == "Gratuito"


def test_deadline_in_plain_words():
    assert intake.deadline_words(3) == "Le responden en un máximo de 3 días hábiles"
    assert intake.deadline_words(1) == "Le responden en un máximo de 1 día hábil"


def test_seed_again_changes_nothing_and_writes_no_audit(seeded):
    before = _audit_count(seeded)
    with db.session(seeded) as s:
        rows = [(p.code, p.requirements, p.fee) for p in s.exec(select(Procedure).order_by(Procedure.code)).all()]
    with db.write_session(seeded) as s:
        seed.seed_catalogue(s)
    with db.session(seeded) as s:
        again = [(p.code, p.requirements, p.fee) for p in s.exec(select(Procedure).order_by(Procedure.code)).all()]
    assert again == rows and _audit_count(seeded) == before


def test_a_catalogue_from_before_0005_is_completed_once_and_the_admin_edits_are_kept(seeded):
    with db.write_session(seeded) as s:
        for p in s.exec(select(Procedure)).all():
            p.requirements, p.fee = [], "Gratuito"
            s.add(p)
        edited = s.exec(select(Procedure).where(Procedure.code == "REN-OP")).one()
        edited.requirements = ["Lo que el administrador escribió"]
        s.add(edited)
        gone = s.exec(select(Procedure).where(Procedure.code == "SOL-GEN")).one()
        s.delete(s.get_one(records.ProcedureSeries, gone.id))  # (0015) its series mapping goes with it
        s.flush()
        s.delete(gone)
    before = _audit_count(seeded)
    with db.write_session(seeded) as s:
        seed.seed_catalogue(s)
    after_first = _audit_count(seeded)
    assert after_first > before  # completed procedures and the new "Solicitud general" are recorded
    with db.session(seeded) as s:
        by_code = {p.code: p for p in s.exec(select(Procedure)).all()}
    assert by_code["REN-OP"].requirements == ["Lo que el administrador escribió"]
    assert by_code["CERT-NOT"].fee.startswith("S/ ") and by_code["CERT-NOT"].requirements
    assert "SOL-GEN" in by_code
    with db.write_session(seeded) as s:
        seed.seed_catalogue(s)
    assert _audit_count(seeded) == after_first  # the second run is a no-op
