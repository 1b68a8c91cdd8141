"""Lighter trading client (``LighterClient``) and its managers."""
