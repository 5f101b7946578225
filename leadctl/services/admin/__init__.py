"""Set-up records: ``campaigns``, ``buckets``, ``reps``; ``lookup`` (name-or-id references and
the one set of name checks); ``common`` (the actor and ORM getters); ``info``."""
