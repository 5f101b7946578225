"""How clients reach reps: ``ledger`` (the one writer of assignments and their history),
``routing`` (at intake)."""
