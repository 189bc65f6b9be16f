"""The shapes of the answers of /api/v1/ext, for the OpenAPI description that clients (and
schemathesis, in the tests) check the answers against: each route documents its 200/201 and
every error status it may give, all errors with the same body (``detail`` in Spanish, ``code``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str = Field(description="qué pasó, en castellano")
    code: str = Field(description="código estable: no_autenticado, sin_permiso, dato_invalido, …")
    campo: str | None = None
    campos: dict[str, str] | None = None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route (401 and 429 always: token and rate limit)."""
    said = {
        400: "Cuerpo ilegible (multipart mal formado)",
        401: "Sin token, o token vencido, revocado o de un cliente desactivado",
        403: "El token no tiene el alcance que la operación requiere",
        404: "No existe, o la cuenta del cliente no puede verlo",
        410: "El archivo original ya no está disponible",
        413: "Solicitud demasiado grande",
        415: "Tipo de contenido no admitido",
        422: "Datos no válidos",
        429: "Límite de llamadas del cliente excedido",
    }
    return {s: {"model": ErrorOut, "description": said[s]} for s in sorted({401, 403, 422, 429, *statuses})}


class CaseDocument(BaseModel):
    id: int
    nombre: str
    sha256: str


class CaseStatusOut(BaseModel):
    numero: str
    asunto: str
    estado: str
    tramite: str
    canal: str
    unidad: str
    presentado: str | None
    vence: str | None
    dias_restantes: int | None
    semaforo: str
    documentos: list[CaseDocument]


class Movement(BaseModel):
    fecha: str | None
    accion: str
    titulo: str
    de: str
    a: str
    por: str
    indicaciones: str
    plazo: str | None
    recibido: str | None


class TrailOut(BaseModel):
    numero: str
    pagina: int
    por_pagina: int
    total: int
    movimientos: list[Movement]


class SearchHit(BaseModel):
    numero: str
    asunto: str
    estado: str
    unidad: str
    tramite: str
    presentado: str


class SearchOut(BaseModel):
    consulta: str
    total: int
    pagina: int
    por_pagina: int
    resultados: list[SearchHit]


class ReportOut(BaseModel):
    indicadores: dict[str, str]


class VerifiedDocument(BaseModel):
    tipo: str
    tipo_texto: str
    documento: str
    expediente: str | None
    fecha: str | None
    sha256: str


class VerifiedSignature(BaseModel):
    campo: str | None
    firmante: str | None
    emisor: str | None
    serie: str | int | None
    veredicto: str
    motivos: list[str]
    advertencias: list[str]
    nivel: str | None
    fecha_firma: str | None
    sello_de_tiempo: bool
    motivo_declarado: str | None


class VerificationOut(BaseModel):
    veredicto: str = Field(description="VÁLIDO, NO VÁLIDO o INDETERMINADO")
    motivo: str
    motivos: list[str]
    advertencias: list[str]
    sha256: str | None
    validado_en: str | None
    sellos_de_tiempo_del_documento: Any
    documento: VerifiedDocument | None
    firmas: list[VerifiedSignature]


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthErrorOut(BaseModel):
    """RFC 6749 §5.2, plus the ``detail`` and ``code`` of the rest of the API."""

    error: str
    error_description: str
    detail: str
    code: str


def oauth_errors() -> dict[int | str, dict[str, Any]]:
    return {
        400: {"model": OAuthErrorOut, "description": "Solicitud no válida (invalid_request, invalid_scope, …)"},
        401: {"model": OAuthErrorOut, "description": "Autenticación del cliente fallida (invalid_client)"},
        413: {"model": ErrorOut, "description": "Solicitud demasiado grande"},
        422: {"model": ErrorOut, "description": "Un dato del formulario no es válido"},
        429: {"model": ErrorOut, "description": "Demasiados intentos fallidos desde esta dirección"},
    }


class Jwks(BaseModel):
    keys: list[dict[str, Any]]
