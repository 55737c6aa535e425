"""
Not executed, with dummy images
===============================

Not ``plot_``: sphinx-gallery does not run it, but it still shows two dummy images.
"""
# sphinx_gallery_dummy_images = 2

import matplotlib.pyplot as plt

plt.figure()
plt.figure()
