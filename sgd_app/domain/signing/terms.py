"""The constants every signature module shares: PAdES levels, signature roles, the verdicts and
their reasons (in Spanish, as Peru's national validator words them), and Peru's time zone."""

from __future__ import annotations

from datetime import timedelta, timezone

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
SIGNATURE_ROLES = ("firma", "visto_bueno")
LEGAL_BASIS = "Ley N° 27269"
PERU_TZ = timezone(timedelta(hours=-5), "PET")  # Peru has no DST

VALIDO, NO_VALIDO, INDETERMINADO = "VÁLIDO", "NO VÁLIDO", "INDETERMINADO"
R_MODIFIED = "El documento fue modificado después de la firma"
R_UNTRUSTED = "El certificado no proviene de una entidad de confianza"
R_REVOKED = "El certificado está revocado"
R_EXPIRED = "El certificado está vencido"
R_NO_TIMESTAMP = "La firma no tiene sello de tiempo"
R_NO_SIGNATURES = "El archivo no contiene firmas digitales"
R_NOT_PDF = "El archivo no es un PDF válido"
R_BAD_TIMESTAMP = "El sello de tiempo de la firma no es válido"
R_REVINFO = "No se pudo verificar el estado de revocación del certificado"
R_BROKEN = "La firma digital está dañada o no se puede leer"
