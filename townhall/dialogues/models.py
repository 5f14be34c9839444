"""Dialogues models."""
