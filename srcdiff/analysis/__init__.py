"""Stage 2, the analyses of a normal form: what each call resolves to (calls), which variables
carry derivatives (activity), their kinds and shapes (kinds, shapes), which names share storage
(aliasing) and which calls are pure (purity).
"""
