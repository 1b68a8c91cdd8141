"""Funding-rate service: collection, cross-venue opportunity ranking, HTTP API and dashboard."""
