"""Pages of objections and credit repair: the public application and tracking pages
(:mod:`.public`), and the staff workbench with one module per workflow."""
