"""
Animation
=========

The only code block makes a matplotlib animation.
"""

import matplotlib.animation as animation
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(2, 2))
(line,) = ax.plot([], [])
ax.set(xlim=(0, 3), ylim=(0, 3))


def update(n):
    line.set_data(range(n), range(n))
    return (line,)


ani = animation.FuncAnimation(fig, update, 3, interval=100)
