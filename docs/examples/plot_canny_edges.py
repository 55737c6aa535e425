"""
Canny edge detector
===================

A single-cell example: the Canny detector on the camera image, with a small
and a large Gaussian ``sigma``. Larger values keep only the strongest edges.
"""

import matplotlib.pyplot as plt
from skimage import data, feature

image = data.camera()
sigmas = [1, 3]

fig, axes = plt.subplots(1, len(sigmas), figsize=(6, 3))
for ax, sigma in zip(axes, sigmas):
    edges = feature.canny(image, sigma=sigma)
    ax.imshow(edges, cmap="gray")
    ax.set_title(f"sigma={sigma}: {edges.sum()} edge pixels")
    ax.set_axis_off()
fig.tight_layout()
