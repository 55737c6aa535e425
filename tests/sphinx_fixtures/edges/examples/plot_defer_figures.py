"""
Deferred figures
================

The first block asks sphinx-gallery to keep its figure open; the second one adds to it,
and the figure shows once, under the second block.
"""

import matplotlib.pyplot as plt

lines = plt.plot([0, 1], [0, 1])
# sphinx_gallery_defer_figures

# %%
# The same figure, finished.

lines = plt.plot([0, 1], [1, 0])
print("lines", len(plt.gca().lines))
