"""S1 API gateway: registered API clients, signed requests, IP binding, scopes, rate limits."""
