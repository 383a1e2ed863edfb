"""Stage 5, the backend: generated gast to Python source, compiled, with its lines mapped back to
the user's (emit).
"""
