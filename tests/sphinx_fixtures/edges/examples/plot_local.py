"""
A helper module
===============

sphinx-gallery runs this with its folder on ``sys.path``, so it imports the
``local_module.py`` kept beside it (as tinybuild's ``plot_numpy_matplotlib.py`` does).
"""

import numpy as np
from local_module import N

print("local", N, np.arange(3).sum())
