"""Signing several documents at once (/firma): one act per document, so one failure is reported
with its reason and the others go on."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from sgd_app import metrics, settings
from sgd_app.domain.auth import Principal
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import DomainError
from sgd_app.domain.signing import config
from sgd_app.domain.signing.steps import SigningContext, sign_step

logger = logging.getLogger(__name__)

MSG_INTERNAL = "No se pudo firmar: error interno."
VISTO_BUENO_DONE = "Visto bueno dado"  # never "Firmado": only the firma signs the document


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one signature step of the batch."""

    step_id: int
    ok: bool
    number: str  # the document's number once signed, else ""
    message: str  # "Firmado" / "Visto bueno dado", or why it was not signed (Spanish)

    @property
    def visto_bueno(self) -> bool:
        return self.ok and self.message == VISTO_BUENO_DONE


def sign_batch(
    who: Principal,
    step_ids: Iterable[int],
    *,
    passphrase: str | None = None,
    ctx: SigningContext | None = None,
    store: FileStore | None = None,
    engine: Engine | None = None,
) -> Iterator[BatchResult]:
    """Sign each step in its own transaction and yield one result per step, as it is done (so a
    screen can show progress). Only steps whose turn it is, and that are ``who``'s, get signed:
    the others are refused one by one with the reason. In production mode the official's PKCS#12
    is opened once for the batch with ``passphrase`` (kept only here); when it cannot be opened
    every step is refused with that reason. ``ctx`` defaults to this installation's keys."""
    step_ids = [int(i) for i in step_ids]
    store = store or FileStore(settings.files_dir())
    if ctx is None:
        try:
            signer = config.staff_signer(who.user, passphrase) if config.production() else None
        except ValueError as exc:
            for step_id in step_ids:
                yield BatchResult(step_id=step_id, ok=False, number="", message=str(exc))
            return
        ctx = config.context(signer=signer)
    for step_id in step_ids:
        try:
            doc = sign_step(store, who=who, step_id=step_id, ctx=ctx, engine=engine)
        except DomainError as exc:
            yield BatchResult(step_id=step_id, ok=False, number="", message=exc.message)
        except Exception:  # one broken document (a bad file, a TSA failure) must not stop the others
            metrics.signing_error("firma")
            logger.exception("Fallo al firmar el paso %s", step_id)
            yield BatchResult(step_id=step_id, ok=False, number="", message=MSG_INTERNAL)
        else:
            # Only the firma leaves the document signed; a visto bueno keeps it "en firma".
            done = "Firmado" if doc.status == "firmado" else VISTO_BUENO_DONE
            yield BatchResult(step_id=step_id, ok=True, number=doc.number, message=done)


def batch_summary(results: Iterable[BatchResult], total: int) -> str:
    """What /firma says after a batch, naming vistos buenos and firmas apart:
    "3 de 3 listos: 2 firmado(s), 1 visto(s) bueno(s)"."""
    done = [r for r in results if r.ok]
    vistos = sum(1 for r in done if r.visto_bueno)
    parts = []
    if len(done) - vistos:
        parts.append(f"{len(done) - vistos} firmado(s)")
    if vistos:
        parts.append(f"{vistos} visto(s) bueno(s) dado(s)")
    return f"{len(done)} de {total} listo(s)" + (": " + ", ".join(parts) if parts else "") + "."
