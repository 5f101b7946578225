"""How clients reach reps.

``ledger`` (the one writer of assignments and their history), ``routing`` (at intake, a whole
batch at once), ``eligibility`` (who may receive, how many more, which clients they cover),
``ranking`` (stack-ranking reps) with ``rollup`` (its per-rep/day activity sums),
``campaign_run`` (``leadctl assign``), ``topup`` (``leadctl topup --rep``), ``manual``
(reassign, rep away/leave), ``owners`` (account ownership), ``fairness`` (``metrics
assignment``), ``calendar`` (business days and hours), ``lint`` (``rules lint``) and
``rules_diff`` (``rules diff``)."""
