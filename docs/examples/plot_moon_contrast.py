"""
Improving the contrast of the moon
==================================

The moon image uses only a narrow band of grey levels. Stretching it, or
equalising its histogram, reveals the detail.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data, exposure

moon = data.moon()
print("grey levels used:", moon.min(), "to", moon.max())

# %%
# Contrast stretching to the 2nd-98th percentiles, and histogram equalisation.

low, high = np.percentile(moon, (2, 98))
stretched = exposure.rescale_intensity(moon, in_range=(low, high))
equalized = exposure.equalize_hist(moon)

fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.8))
for ax, image, title in zip(axes, [moon, stretched, equalized],
                            ["original", "stretched", "equalised"]):
    ax.imshow(image, cmap="gray")
    ax.set_title(title)
    ax.set_axis_off()
fig.tight_layout()
