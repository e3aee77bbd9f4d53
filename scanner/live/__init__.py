"""Live-cloud scanning: collectors turn SDK responses into normalized facts; the rule engine
turns facts + YAML rules into findings. Collectors never format; the engine never calls a cloud."""
