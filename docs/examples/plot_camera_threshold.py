"""
Thresholding the camera image
=============================

Otsu's method picks the threshold that best separates the two peaks of an
image's histogram. Try another threshold, or another image from
``skimage.data``, and run the cells again.
"""

import matplotlib.pyplot as plt
from skimage import data
from skimage.filters import threshold_otsu

image = data.camera()
print(image.shape, image.dtype)

# %%
# The histogram of grey levels, and Otsu's threshold on it.

threshold = threshold_otsu(image)
print(f"Otsu threshold: {threshold}")

fig, ax = plt.subplots(figsize=(5, 2.5))
ax.hist(image.ravel(), bins=64, color="0.4")
ax.axvline(threshold, color="tab:red")
ax.set_xlabel("grey level")
fig.tight_layout()

# %%
# Pixels above the threshold are foreground.

binary = image > threshold

fig, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(image, cmap="gray")
axes[0].set_title("original")
axes[1].imshow(binary, cmap="gray")
axes[1].set_title(f"image > {threshold}")
for ax in axes:
    ax.set_axis_off()
fig.tight_layout()
