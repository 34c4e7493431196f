"""Objections (异议) and credit repair (信用修复), A4: online and service-hall applications,
phone verification, department verification, record suspension, decisions and repair review."""
