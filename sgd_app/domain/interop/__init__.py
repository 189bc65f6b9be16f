"""Exchange of documents with other institutions (docs/interop.md): the directory of entities
(``directory``), the messages — CUO, manifest and answer as JWS (``manifest``), our interop key
(``keys``), sending from a case and the answers kept (``sending``), the outbox worker
(``delivery``) and the receiving side (``receiving``). Tables in ``tables`` (migration 0016)."""

from __future__ import annotations

from sgd_app.domain.interop import delivery, directory, keys, manifest, receiving, sending
from sgd_app.domain.interop.directory import (
    EntityInput,
    add_entity,
    deactivate_entity,
    get_entity,
    import_entities,
    list_entities,
    update_entity,
)
from sgd_app.domain.interop.receiving import Answer, SenderRefused, answer_for_cuo, receive
from sgd_app.domain.interop.sending import SendPanel, send_panel, send_status, send_to_entity, sends_of_case
from sgd_app.domain.interop.tables import InteropCounter, InteropEntity, InteropReceipt, InteropSend

__all__ = [
    "Answer",
    "EntityInput",
    "InteropCounter",
    "InteropEntity",
    "InteropReceipt",
    "InteropSend",
    "SendPanel",
    "SenderRefused",
    "add_entity",
    "answer_for_cuo",
    "deactivate_entity",
    "delivery",
    "directory",
    "get_entity",
    "import_entities",
    "keys",
    "list_entities",
    "manifest",
    "receive",
    "receiving",
    "send_panel",
    "send_status",
    "send_to_entity",
    "sending",
    "sends_of_case",
    "update_entity",
]
