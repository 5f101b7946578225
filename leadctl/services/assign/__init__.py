"""How clients reach reps: ``routing`` (at intake)."""
