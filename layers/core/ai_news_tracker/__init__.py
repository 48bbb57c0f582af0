"""AI News Tracker: the 国产大模型日报 daily digest of Chinese AI / large-model news.

The package is a pure core (parsing, identity, windows, ranking, rendering) with I/O at its edges
(``http``, ``store``) and one use-case module (``pipeline``) that the CLI and the Lambda handlers call.
"""

__version__ = "0.1.0"
