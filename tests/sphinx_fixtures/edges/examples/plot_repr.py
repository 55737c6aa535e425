"""
Captured reprs and text-only blocks
===================================

A block ending in an expression shows its repr.
"""

# %%
# A text-only block follows a code block...

# %%
# ...and another one: neither is a cell.

x = 6 * 7
abs(x)

# %%
# An HTML repr.


class Shown:
    def _repr_html_(self):
        return "<b>html-repr</b>"


Shown()
