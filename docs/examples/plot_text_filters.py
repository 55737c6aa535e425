"""
Smoothing and edges on text
===========================

Compare a Gaussian blur, a median filter and the Sobel edge magnitude on the
``text`` image. Try other ``sigma`` values or footprint sizes.
"""

import matplotlib.pyplot as plt
from skimage import data, filters
from skimage.morphology import disk

text = data.text()

blurred = filters.gaussian(text, sigma=2)
median = filters.median(text, disk(3))
edges = filters.sobel(text)

# %%
# Show the three results under the original.

fig, axes = plt.subplots(2, 2, figsize=(7, 3.5))
for ax, image, title in zip(axes.ravel(), [text, blurred, median, edges],
                            ["original", "Gaussian, sigma=2", "median, disk(3)", "Sobel"]):
    ax.imshow(image, cmap="gray")
    ax.set_title(title)
    ax.set_axis_off()
fig.tight_layout()
