"""Set-up records: ``campaigns``, ``buckets``, ``reps``; ``lookup`` (name-or-id references,
ORM getters and the one set of name, uniqueness and active checks); ``common`` (the actor);
``info``; ``rep_import`` (``rep import FILE``)."""
