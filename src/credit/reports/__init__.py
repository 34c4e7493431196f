"""Credit reports (信用报告, A2/S5/P2b): report templates built from catalog items as data, the
application and its two-person review, the frozen data snapshot of an issued report, its
official PDF (shipped CJK font, seal, page X of Y, watermark) signed with the platform's key
(PAdES), the QR verification page, self-service download with an extraction code (提取码),
and third parties' requests within the subject's authorisation (授权)."""
