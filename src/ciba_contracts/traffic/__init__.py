"""Readers: one per input format, all streaming, yielding what the validator checks."""
