"""
Counting coins
==============

Separate the coins from the background, label the connected regions and
measure them. Change the minimum area to count fewer or more objects.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data, measure, morphology
from skimage.filters import threshold_otsu

coins = data.coins()
mask = coins > threshold_otsu(coins)
mask = morphology.remove_small_objects(morphology.closing(mask, morphology.disk(3)), max_size=100)

# %%
# Label the regions and keep those large enough to be coins.

labels = measure.label(mask)
regions = [r for r in measure.regionprops(labels) if r.area > 400]
print(f"{len(regions)} coins found")
print("mean area:", round(float(np.mean([r.area for r in regions]))), "pixels")

fig, ax = plt.subplots(figsize=(5, 4))
ax.imshow(coins, cmap="gray")
for region in regions:
    minr, minc, maxr, maxc = region.bbox
    ax.add_patch(plt.Rectangle((minc, minr), maxc - minc, maxr - minr,
                               fill=False, edgecolor="tab:red", linewidth=1.5))
ax.set_axis_off()
fig.tight_layout()
