"""
Short example
=============

With two blocks or fewer, sphinx-gallery puts the output before the code.
"""

print("short-0")
