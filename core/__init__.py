"""Tailor's decision core: standard library only, no I/O, no clock reads (time is passed in)."""

__version__ = "0.1.0"
