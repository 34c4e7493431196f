"""S1 API gateway (接口网关): API clients (接口调用方) and their signed requests — IP binding,
scopes, rate limits and daily quotas — and the call log (接口调用日志) with its statistics."""
