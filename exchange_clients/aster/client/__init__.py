"""Aster trading client."""
