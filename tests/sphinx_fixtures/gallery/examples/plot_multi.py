"""
Several cells — naïve café
==========================

Non-ASCII prose: ünïcödé, 日本語.
"""

# sphinx_gallery_thumbnail_number = 1
s = """a "triple" string with </script> and <!-- and ]]> and &amp;"""
print("hello-0", "ünïcödé 日本語")

# %%
# Prose holding literal blocks that are not cells::
#
#     not_a_cell = "hello-prose"
#
# .. code-block:: python
#
#     also_not_a_cell = "hello-prose-2"

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [1, 0])
print("hello-1")

# %%
# A heading inside the page
# -------------------------
#
# Ignored lines are removed by sphinx-gallery before display.


def double(x):
    # sphinx_gallery_start_ignore
    hidden = "ignored by sphinx-gallery"
    # sphinx_gallery_end_ignore
    return x * 2


print("hello-2", double(21))

# %%
# An HTML repr.


class Shown:
    def _repr_html_(self):
        return "<em>hello-3</em>"


Shown()
