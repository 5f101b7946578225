"""Demo and benchmark data, not domain code: ``build`` (the ``leadctl demo`` database) and
``fakedata`` (the fake lead generator with realistic noise and known truth)."""
