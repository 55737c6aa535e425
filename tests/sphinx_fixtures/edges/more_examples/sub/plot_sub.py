"""
Sous-section — naïve
====================

A second gallery's subsection, non-ASCII text and config comments kept.
"""

# sphinx_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt

plt.plot([0, 1], [1, 0])
plt.title("été")
print("sub", "日本語")
