"""Model harness: conditions, prompts, providers, runner, answer parsing (issue 5).

Provider SDKs are imported only when a provider is made, so this package imports without the
``anthropic``/``openai`` extras.
"""
