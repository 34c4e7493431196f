"""Credit commitments (信用承诺, A3): commitment items as versioned data in four kinds, the
commitments with their structured numbers, submission (portal, department, service hall, API,
Excel import, credit repair), review and publicity, fulfilment and breach (a breach becomes a
违背信用承诺 record), suspected breaches, and coverage against the city's targets."""
