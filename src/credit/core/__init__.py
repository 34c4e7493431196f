"""The shared kernel (共享内核): regions and departments (the tenants), access control, the audit
log, identifiers, masking, field encryption, working days, and the page, HTTP and API helpers."""
