"""Synthetic Changzhou (合成的常州数据): deterministic generators of subjects and credit records
for the demo and the benchmarks, loaded by :mod:`credit.demo.loader`.

The same ``seed`` and ``scale`` always give the same rows in the same order, whatever has been
loaded before, which is what makes ``credit seed-demo`` idempotent. Generators yield plain
dataclasses: legal and natural persons (:mod:`.subjects`), records of the catalog items
(:mod:`.records`), sized by :data:`.common.SCALES` and dated from :data:`.common.TODAY`.

Everything here is invented: names, codes and records are generated from a seed. Codes are
valid (GB 32100, GB 11643, GB 11714 check characters) so that the platform treats them like
real data, and Changzhou's division codes, including the ones no longer in force that real
adults' ID numbers carry, are used as they are.
"""
