"""The domain: records, the kind registry, change sets, rules, scenarios, errors; imports nothing else of the project."""
