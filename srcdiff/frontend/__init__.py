"""Stage 1, the frontend: read a function's source (capture), inline the helpers that change
their arguments (inline), and rewrite it into the normal form the transforms take (normalize,
one ``normalize_*`` module per construct; the form itself is described in normal_form).
"""
