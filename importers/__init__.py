"""Readers of files people and publishers send: progress spreadsheets, Italia Domani open data."""
