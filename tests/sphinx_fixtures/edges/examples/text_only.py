"""
Only text
=========

No code at all: no cells, no front end.
"""
