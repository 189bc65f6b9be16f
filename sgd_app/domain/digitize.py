"""Digitisation: scans to PDF, OCR, text extraction, background queue (issue 7). To be written."""
