"""The policy pack run offline: the analyzer-protocol driver, the runner, the cross-stack invariants."""
