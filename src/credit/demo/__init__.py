"""Synthetic Changzhou: deterministic demo and benchmark data (``credit seed-demo``).

Everything here is invented: names, codes and records are generated from a seed. Codes are
valid (GB 32100, GB 11643, GB 11714 check characters) so that the platform treats them like
real data, and Changzhou's division codes, including the ones no longer in force that real
adults' ID numbers carry, are used as they are.
"""
