"""Fuzzing ciba-contracts: generated and mutated payloads, recordings and live answers.

``targets`` holds what is fuzzed (``validate()``, each traffic reader through
a whole run and every report format, the live suite's check of an answer),
``inputs`` how inputs are made (seeds and mutations driven by one
``random.Random``), and ``__main__`` the long pass (``make fuzz``). The test
suite runs a short pass of the same targets with hypothesis choosing the
random choices (``tests/test_fuzz_smoke.py``).
"""
