"""
Colour channels of the astronaut
================================

Convert the RGB astronaut image to HSV (hue, saturation, value) and look
at each channel on its own.
"""

import matplotlib.pyplot as plt
from skimage import data
from skimage.color import rgb2hsv
from skimage.transform import rescale

astronaut = rescale(data.astronaut(), 0.5, channel_axis=-1)  # smaller is quicker
hsv = rgb2hsv(astronaut)
print("HSV image:", hsv.shape)

# %%
# One figure per channel.

for index, name in enumerate(["hue", "saturation", "value"]):
    fig, ax = plt.subplots(figsize=(2.5, 2.5))
    ax.imshow(hsv[..., index], cmap="hsv" if name == "hue" else "gray")
    ax.set_title(name)
    ax.set_axis_off()

# %%
# Pixels of high saturation: the flag and the suit's patches.

mask = hsv[..., 1] > 0.6
print(f"{mask.mean():.1%} of the pixels are strongly saturated")

fig, ax = plt.subplots(figsize=(3, 3))
ax.imshow(astronaut * mask[..., None])
ax.set_axis_off()
