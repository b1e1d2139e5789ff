"""Readers of the files people and publishers send (progress spreadsheets, Italia Domani open data) into checked rows; imports only rrf.rules."""
