"""The institution's catalogue (units and procedures) and the demo staff accounts.

Idempotent: running it again changes nothing and reuses the passwords already given.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlmodel import Session, select

from sgd_app.domain import audit, auth, doc_templates, records
from sgd_app.domain.models import Procedure, Unit, User

# code, name, kind, parent, place
UNITS = [
    ("SG", "Secretaría General", "direccion", None, "Lima"),
    ("MP", "Mesa de Partes", "oficina", "SG", "Lima"),
    ("DGRS", "Dirección General de Recursos y Servicios", "direccion", None, "Lima"),
    ("LOG", "Logística", "oficina", "DGRS", "Lima"),
    ("TES", "Tesorería", "oficina", "DGRS", "Lima"),
    ("RRHH", "Recursos Humanos", "oficina", "DGRS", "Lima"),
    ("CONT", "Contabilidad", "oficina", "DGRS", "Lima"),
    ("SAC", "Servicios al Ciudadano", "oficina", "SG", "Lima"),
    ("ROP", "Registro de Organizaciones Políticas", "direccion", None, "Lima"),
    ("DNFPE", "Dirección Nacional de Fiscalización y Procesos Electorales", "direccion", None, "Lima"),
    ("ENEC", "Escuela Electoral y de Gobernabilidad", "direccion", None, "Lima"),
    ("ODCUS", "Oficina Desconcentrada Cusco", "od", None, "Cusco"),
]

# code, name, description, category, unit, deadline (business days), fields, required annexes
PROCEDURES = [
    (
        "ESC-APE",
        "Escritos en expedientes jurisdiccionales de apelación en trámite",
        "Presente escritos, alegatos o documentos para un expediente de apelación que ya está en trámite ante el Pleno.",
        "jurisdiccional",
        "SG",
        3,
        [
            {
                "name": "expediente_jurisdiccional",
                "label": "Número del expediente jurisdiccional",
                "required": True,
                "help": "Tal como figura en las notificaciones, por ejemplo EG.2026001234.",
            }
        ],
        [],
    ),
    (
        "REN-OP",
        "Renuncia a organización política",
        "Comunique su renuncia como afiliado(a) a un partido político u organización política regional.",
        "administrativo",
        "ROP",
        5,
        [
            {
                "name": "organizacion",
                "label": "Organización política a la que renuncia",
                "required": True,
                "help": "Nombre completo de la organización política.",
            }
        ],
        [],
    ),
    (
        "CONST-AF",
        "Constancia del estado de afiliación",
        "Solicite una constancia que indica si usted está o no afiliado(a) a una organización política.",
        "administrativo",
        "ROP",
        3,
        [],
        [],
    ),
    (
        "DEN-HV",
        "Denuncias sobre declaraciones juradas de hojas de vida",
        "Denuncie información falsa u omitida en la hoja de vida de un candidato(a) o autoridad.",
        "jurisdiccional",
        "DNFPE",
        7,
        [
            {
                "name": "denunciado",
                "label": "Candidato(a) o autoridad denunciado(a)",
                "required": True,
                "help": "Nombre completo de la persona.",
            },
            {
                "name": "proceso",
                "label": "Proceso electoral (si lo sabe)",
                "required": False,
                "help": "Por ejemplo: Elecciones Generales 2026.",
            },
        ],
        [],
    ),
    (
        "SUSP-MUL",
        "Suspensión de cobranza coactiva de multas electorales",
        "Pida suspender la cobranza coactiva de una multa electoral (por pago, dispensa o error).",
        "administrativo",
        "TES",
        8,
        [
            {
                "name": "multa",
                "label": "Número de la multa o de la resolución de ejecución coactiva",
                "required": True,
                "help": "Figura en la notificación de cobranza.",
            }
        ],
        [],
    ),
    (
        "INS-ENC",
        "Inscripción de empresas encuestadoras",
        "Inscriba a su empresa en el Registro Electoral de Encuestadoras.",
        "administrativo",
        "DNFPE",
        10,
        [
            {
                "name": "representante",
                "label": "Representante legal",
                "required": True,
                "help": "Nombre completo de quien representa a la empresa.",
            }
        ],
        ["Vigencia de poder del representante legal"],
    ),
    (
        "CERT-NOT",
        "Certificado de notas y de estudios",
        "Solicite el certificado de notas o de estudios de un programa de la Escuela Electoral.",
        "administrativo",
        "ENEC",
        7,
        [
            {
                "name": "programa",
                "label": "Curso o programa que llevó",
                "required": True,
                "help": "Nombre y año del curso o programa.",
            }
        ],
        [],
    ),
]

PROCEDURES.append(
    (
        "SOL-GEN",
        "Solicitud general",
        "Para cualquier pedido, consulta o reclamo que no está en esta lista. Escriba qué solicita y "
        "lo derivamos a la oficina que corresponde.",
        "administrativo",
        "SAC",
        30,
        [],
        [],
    )
)

# What the filer must have before starting, and the fee, in plain words (code -> requirements, fee).
# The amounts are the demo catalogue's: each institution writes its own TUPA's here.
GUIDE: dict[str, tuple[list[str], str]] = {
    "ESC-APE": (["El número del expediente jurisdiccional", "Su escrito en PDF, firmado"], "Gratuito"),
    "REN-OP": (
        ["Su DNI", "El nombre de la organización política", "Su carta de renuncia en PDF, firmada"],
        "Gratuito",
    ),
    "CONST-AF": (["Su DNI", "Su solicitud en PDF (puede ser una foto escaneada del pedido firmado)"], "Gratuito"),
    "DEN-HV": (
        ["Su DNI", "El nombre del candidato(a) o autoridad", "Su escrito de denuncia en PDF con los hechos"],
        "Gratuito",
    ),
    "SUSP-MUL": (
        [
            "Su DNI",
            "El número de la multa o de la resolución de ejecución coactiva",
            "Su solicitud en PDF con la prueba del pago, la dispensa o el error",
        ],
        "Gratuito",
    ),
    "INS-ENC": (
        [
            "El RUC de la empresa",
            "La solicitud en PDF, firmada por el representante legal",
            "La vigencia de poder del representante legal (anexo)",
        ],
        "S/ 150.00 (pago en el Banco de la Nación)",
    ),
    "CERT-NOT": (
        ["Su DNI", "El nombre y el año del curso o programa", "Su solicitud en PDF"],
        "S/ 25.00 (pago en el Banco de la Nación)",
    ),
    "SOL-GEN": (["Su DNI o RUC", "Su solicitud en PDF, firmada"], "Gratuito"),
}

# username, full name, unit, roles
DEMO_STAFF = [
    ("mesa", "Rosa Quispe Huamán", "MP", ["clerk"]),
    ("sg", "Jorge Salas Paredes", "SG", ["officer"]),
    ("jefe.sg", "Carmen Vega Ramos", "SG", ["head"]),
    ("logistica", "Luis Mamani Condori", "LOG", ["officer"]),
    ("jefe.logistica", "Ana Torres Delgado", "LOG", ["head"]),
    ("tesoreria", "Miguel Flores Rojas", "TES", ["officer"]),
    ("contabilidad", "Sonia Huamán Vargas", "CONT", ["officer"]),
    ("rop", "Patricia Chávez León", "ROP", ["officer"]),
    ("jefe.rop", "Óscar Villanueva Paz", "ROP", ["head"]),
    ("dnfpe", "Raúl Gutiérrez Soto", "DNFPE", ["officer"]),
    ("enec", "Lucía Campos Ñahui", "ENEC", ["officer"]),
    ("cusco", "Wilber Ccori Huallpa", "ODCUS", ["officer", "head"]),
    ("gerente", "Elena Ríos Medina", "DGRS", ["manager"]),
    ("admin", "Administrador del sistema", "SG", ["admin"]),
]


def seed_catalogue(session: Session) -> None:
    """Units and procedures (only what is missing is added)."""
    by_code = {u.code: u for u in session.exec(select(Unit)).all()}
    for code, name, kind, parent, place in UNITS:
        if code not in by_code:
            unit = Unit(code=code, name=name, kind=kind, place=place, parent_id=by_code[parent].id if parent else None)
            session.add(unit)
            session.flush()
            by_code[code] = unit
            audit.record(
                session,
                actor="sistema",
                action="crear_unidad",
                object_type="unit",
                object_id=code,
                data={"nombre": name},
            )
    existing = {p.code: p for p in session.exec(select(Procedure)).all()}
    for code, name, desc, category, unit, days, fields, annexes in PROCEDURES:
        requirements, fee = GUIDE.get(code, ([], "Gratuito"))
        if code in existing:
            _complete_guide(session, existing[code], requirements, fee)
        else:
            session.add(
                Procedure(
                    code=code,
                    name=name,
                    description=desc,
                    category=category,
                    unit_id=by_code[unit].id,
                    deadline_days=days,
                    fields=fields,
                    required_annexes=annexes,
                    requirements=requirements,
                    fee=fee,
                )
            )
            audit.record(
                session,
                actor="sistema",
                action="crear_procedimiento",
                object_type="procedure",
                object_id=code,
                data={"unidad": unit, "plazo": days},
            )
    if records.seed_defaults(session):
        audit.record(
            session, actor="sistema", action="crear_cuadro_clasificacion", object_type="serie", object_id="-", data={}
        )
    if doc_templates.seed_defaults(session):
        audit.record(
            session, actor="sistema", action="crear_plantillas", object_type="plantilla", object_id="-", data={}
        )
    session.commit()


def _complete_guide(session: Session, proc: Procedure, requirements: list[str], fee: str) -> None:
    """A procedure created before 0005 gets its requirements and fee once; a procedure that
    already has them (or that an administrator edited) is left alone, and a no-op writes no audit."""
    changes: dict[str, object] = {}
    if not proc.requirements and requirements:  # once: the first init after 0005
        proc.requirements = list(requirements)
        changes["requisitos"] = len(requirements)
        if proc.fee == "Gratuito" and fee != proc.fee:
            proc.fee = fee
            changes["derecho"] = fee
    if changes:
        session.add(proc)
        audit.record(
            session,
            actor="sistema",
            action="completar_procedimiento",
            object_type="procedure",
            object_id=proc.code,
            data=changes,
        )


def seed_demo_staff(session: Session, credentials_file: Path) -> dict[str, str]:
    """Demo accounts. Passwords are random (or SGD_DEMO_PASSWORD), kept in ``credentials_file``."""
    known: dict[str, str] = {}
    if credentials_file.exists():
        for line in credentials_file.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                user, pw = line.split("\t", 1)
                known[user] = pw
    fixed = os.environ.get("SGD_DEMO_PASSWORD", "")
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    existing = {u.username for u in session.exec(select(User)).all()}
    for username, full_name, unit, roles in DEMO_STAFF:
        if username in existing:
            continue
        password = fixed or known.get(username) or secrets.token_urlsafe(9)
        auth.create_user(
            session,
            username=username,
            full_name=full_name,
            password=password,
            memberships=[(units[unit], r) for r in roles],
            email=f"{username.replace('.', '_')}@demo.sgd.pe",
        )
        known[username] = password
    session.commit()
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text("".join(f"{u}\t{p}\n" for u, p in known.items()), encoding="utf-8")
    os.chmod(credentials_file, 0o600)
    return known
