"""tlsbench: what counting across threads costs on your interpreter, with the GIL and without."""

__version__ = "0.1.0"
