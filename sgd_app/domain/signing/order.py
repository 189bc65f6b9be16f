"""The order of the vistos buenos, as the author numbered them in the send-to-firma form.

Each person asked for a visto bueno gets a number (1 first); the round then goes in that order
(signing.steps: position i waits for every position before it), so the second cannot give their
visto bueno before the first. Two people with the same number are refused unless the author
chose "a la vez" (parallel), where every visto bueno may be given in any order."""

from __future__ import annotations

from collections.abc import Mapping

from sgd_app.domain.errors import InvalidInput

MAX_VISTOS = 9  # the form offers 1.º … 9.º
SAME_NUMBER = "Dos personas tienen el mismo número de orden: numere los vistos buenos 1, 2, 3… o márquelos «a la vez»."
BAD_NUMBER = f"El orden de cada visto bueno es un número del 1 al {MAX_VISTOS}."


def reviewer_order(choices: Mapping[int, str], *, parallel: bool = False) -> list[int]:
    """The ids of the people asked for a visto bueno, first to last, from {user id: "2"} (blank:
    not asked). Raises InvalidInput("vistos", …) on a number out of range or repeated."""
    numbered: list[tuple[int, int]] = []
    for user_id, raw in choices.items():
        text = str(raw or "").strip()
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= MAX_VISTOS:
            raise InvalidInput("vistos", BAD_NUMBER)
        numbered.append((int(text), int(user_id)))
    if not parallel and len({n for n, _ in numbered}) != len(numbered):
        raise InvalidInput("vistos", SAME_NUMBER)
    return [uid for _, uid in sorted(numbered)]
