"""The search box: validation with Spanish reasons, terms, accent folding, simple plurals."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.search import limits
from sgd_app.domain.vocabulary import parse_number

FIELD = "q"
MSG_EMPTY = "Escriba qué buscar: palabras, un número de expediente o un DNI / RUC."
MSG_LONG = f"La búsqueda es demasiado larga: use como máximo {limits.MAX_QUERY_CHARS} caracteres."
MSG_PUNCT = "Escriba al menos una palabra o un número (solo hay signos de puntuación)."
MSG_PREFIX = f"Para buscar por el comienzo de una palabra escriba al menos {limits.MIN_PREFIX} letras antes de «*»."
MSG_TERMS = f"Use como máximo {limits.MAX_TERMS} palabras."
MSG_COMMON = "Las palabras buscadas son demasiado comunes: agregue una palabra más específica."
MSG_SLOW = "La búsqueda con «*» abarca demasiadas palabras: escriba más letras antes del asterisco o agregue filtros."

# The most frequent Spanish function words: left out of a query (as PostgreSQL's spanish
# configuration does) unless quoted or the query has nothing else.
STOPWORDS = frozenset(
    [
        "a",
        "al",
        "algo",
        "algunas",
        "algunos",
        "ante",
        "antes",
        "como",
        "con",
        "contra",
        "cual",
        "cuando",
        "de",
        "del",
        "desde",
        "donde",
        "durante",
        "e",
        "el",
        "ella",
        "ellas",
        "ellos",
        "en",
        "entre",
        "era",
        "es",
        "esa",
        "esas",
        "ese",
        "eso",
        "esos",
        "esta",
        "estas",
        "este",
        "esto",
        "estos",
        "fue",
        "ha",
        "hasta",
        "hay",
        "la",
        "las",
        "le",
        "les",
        "lo",
        "los",
        "mas",
        "me",
        "mi",
        "mucho",
        "muy",
        "nada",
        "ni",
        "no",
        "nos",
        "o",
        "otra",
        "otras",
        "otro",
        "otros",
        "para",
        "pero",
        "poco",
        "por",
        "porque",
        "que",
        "quien",
        "se",
        "sea",
        "ser",
        "si",
        "sin",
        "sobre",
        "su",
        "sus",
        "tambien",
        "tanto",
        "te",
        "tiene",
        "todo",
        "todos",
        "tu",
        "un",
        "una",
        "uno",
        "unos",
        "y",
        "ya",
        "yo",
    ]
)


@dataclass(frozen=True)
class Term:
    """One condition of the query: a word, a prefix (``resol*``) or a phrase (quoted, or a token
    such as "EXP-2026-000123" that holds several words). Words are folded: lowercase, no accents."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...]
    case_number: str | None = None  # canonical number when the query is one
    doc_number: str | None = None  # 8 (DNI) or 11 (RUC) digits

    @property
    def has_prefix(self) -> bool:
        return any(t.prefix for t in self.terms)


_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
_PREFIX_END = re.compile(r"[^\W_]\*+[^\w*]*$")


def fold(value: str) -> str:
    """Lowercase without diacritics ("Núñez" -> "nunez"), as the index sees words."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def parse_query(query: str) -> ParsedQuery:
    """Validate and split the search box; InvalidInput (field ``q``) with a Spanish reason."""
    raw = unicodedata.normalize("NFC", (query or "").strip())
    if not raw:
        raise InvalidInput(FIELD, MSG_EMPTY)
    if len(raw) > limits.MAX_QUERY_CHARS:
        raise InvalidInput(FIELD, MSG_LONG)
    terms: list[Term] = []
    for m in _TOKEN.finditer(raw):
        quoted, token = m.group(1), m.group(2)
        words = tuple(_WORD.findall(fold(quoted if quoted is not None else token)))
        if not words:
            continue
        prefix = quoted is None and bool(_PREFIX_END.search(token))
        if prefix and len(words[-1]) < limits.MIN_PREFIX:
            raise InvalidInput(FIELD, MSG_PREFIX)
        terms.append(Term(words, prefix=prefix))
    if not terms:
        raise InvalidInput(FIELD, MSG_PUNCT)
    if sum(len(t.words) for t in terms) > limits.MAX_TERMS:
        raise InvalidInput(FIELD, MSG_TERMS)
    content = [t for t in terms if t.phrase or t.prefix or t.words[0] not in STOPWORDS]
    if not content:
        raise InvalidInput(FIELD, MSG_COMMON)
    digits = raw if re.fullmatch(r"\d{8}|\d{11}", raw) else None
    return ParsedQuery(text=raw, terms=tuple(content), case_number=parse_number(raw), doc_number=digits)


def word_variants(word: str) -> tuple[str, ...]:
    """The word and its simple Spanish singular / plural ("resolucion" <-> "resoluciones")."""
    if len(word) < 4 or not word.isalpha():
        return (word,)
    out = [word]
    if word.endswith("ces"):
        out.append(word[:-3] + "z")
    elif word.endswith("es"):
        out += [word[:-2], word[:-1]]
    elif word.endswith("s"):
        out.append(word[:-1])
    elif word.endswith("z"):
        out.append(word[:-1] + "ces")
    elif word[-1] in "aeiou":
        out.append(word + "s")
    else:
        out.append(word + "es")
    return tuple(dict.fromkeys(w for w in out if len(w) >= 4 and w not in STOPWORDS))
