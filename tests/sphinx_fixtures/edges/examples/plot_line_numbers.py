"""
Line numbers
============

This example asks for line numbers; its indented code must still run.
"""
# sphinx_gallery_line_numbers = True

values = [1, 2, 3]
for v in values:
    if v > 1:
        print("line-numbers", v)

###############################################################################
# A ``#####`` separator starts this text block.


def total(xs):
    """Indented body."""
    return sum(xs)


print("total", total(values))
