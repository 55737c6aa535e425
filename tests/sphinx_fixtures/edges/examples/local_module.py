"""
Local module
============

Helper for plot_local.py; it imports an ignored helper in turn.
"""

from second_helper import M

N = M + 1
