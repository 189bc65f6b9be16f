"""Trámite Digital: Mesa de Partes Virtual + Sistema de Gestión Documental."""
