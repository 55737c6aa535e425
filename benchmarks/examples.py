"""The code the benchmark runs, as a reader's browser would send it.

``REALISTIC`` is a typical scikit-image gallery page split into its two cells the way
sphinx-gallery splits a page at ``# %%``: compute, then a two-panel figure.
"""

TRIVIAL = "print(1)"

REALISTIC = [
    '''"""
Edges and smoothing on the camera
=================================

A Sobel edge map and a Gaussian blur of the ``camera`` image, side by side.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data, filters

image = data.camera()
edges = filters.sobel(image)
smooth = filters.gaussian(image, sigma=2)
print(f"edges in [{edges.min():.3f}, {edges.max():.3f}], mean of blur {np.mean(smooth):.3f}")
''',
    '''# %%
# The two results next to each other.

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
axes[0].imshow(edges, cmap="gray")
axes[0].set_title("Sobel edges")
axes[1].imshow(smooth, cmap="gray")
axes[1].set_title("Gaussian blur, sigma=2")
for ax in axes:
    ax.set_axis_off()
fig.tight_layout()
plt.show()
''',
]

#: The small run of the load test: numpy and a print, no figure.
SMALL = [
    "import numpy as np\n"
    "rng = np.random.default_rng(0)\n"
    "a = rng.normal(size=(200, 200))\n"
    "print(round(float(a.mean()), 4), round(float(np.linalg.norm(a)), 1))\n"
]
