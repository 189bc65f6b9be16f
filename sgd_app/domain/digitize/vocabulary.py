"""The words of digitisation: job statuses, what a PDF is, how its text was read, and the Spanish
stages and errors staff see next to each document."""

# ---------------------------------------------------------------- statuses and stages (es-PE)
PENDING = "pendiente"
PROCESSING = "procesando"
DONE = "listo"
ERROR = "error"

SIGNED = "firmado"
DIGITAL = "digital"
SCANNED = "escaneado"

METHOD_TEXT = "texto"
METHOD_OCR = "ocr"
METHOD_NONE = "ninguno"

STAGE_QUEUED = "En cola"
STAGE_READING = "Leyendo el documento"
STAGE_ANALYSING = "Analizando las páginas"
STAGE_EXTRACTING = "Extrayendo el texto"
STAGE_OCR = "Reconociendo texto (página {page} de {pages})"
STAGE_FINISHING_OCR = "Preparando el PDF con texto"
STAGE_SAVING = "Guardando"
STAGE_DONE = "Listo"
STAGE_RETRY = "Se reintentará (intento {attempt} de {attempts})"
STAGE_ERROR = "No se pudo procesar"

# ---------------------------------------------------------------- errors (es-PE)
ERR_MISSING_FILE = "El archivo del documento no se encuentra en el almacén de originales."
ERR_HASH = "El archivo almacenado no coincide con su huella SHA-256; no se procesó."
ERR_NOT_PDF = "El archivo no es un PDF válido."
ERR_OCR_TIMEOUT = "El reconocimiento de texto (OCR) superó el tiempo máximo de {seconds} s."
ERR_OCR_FAILED = "El reconocimiento de texto (OCR) falló: {detail}"
ERR_OCR_OUTPUT = "El reconocimiento de texto (OCR) produjo un PDF inválido."
ERR_EXTRACT = "No se pudo extraer el texto del PDF: {detail}"
ERR_TOOL = (
    "Falta un programa en el servidor ({detail}); instale tesseract-ocr, tesseract-ocr-spa, "
    "ghostscript y poppler-utils."
)
ERR_INTERRUPTED = "El procesamiento se interrumpió {n} veces (reinicio o falta de memoria del servidor)."
ERR_UNEXPECTED = "Error inesperado al procesar el documento: {detail}"
