"""The business: plain Python, no reflex. Every rule lives in exactly one module here."""
