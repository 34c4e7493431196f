"""The datasets of the built-in 一张图 (registered into :mod:`credit.dashboard.datasets`)."""
