"""Every ``leadctl metrics`` table and the full ``leadctl report`` at scale, SQLite and PostgreSQL.

N clients (one campaign, four buckets, 200 reps), 5N activities dated after each client's
capture, 1.12N leads (one origin lead per client, a tenth more duplicates, 2% rejected), N/20
refused call attempts (``call_blocked`` events). Data is generated inside the database (one
``INSERT … SELECT`` per table over a number series): 1M clients / 5M activities take minutes,
not a Python loop. Each database is built once and reused: the SQLite file is cached in
``$TMPDIR/leadctl-bench`` and, with ``--keep`` (``LEADCTL_BENCH_KEEP=1``), the PostgreSQL
database ``leadctl_bench_metrics_N`` too (a reused database is brought to the head revision
with ``leadctl db upgrade`` first, so new indexes get built on it).

Times the real ``leadctl`` console script (wall and the child's CPU, user+sys), start-up shown
separately (``leadctl --db URL rep show R``), next to the practical limit measured in
the same run: one full GROUP BY of the activity table by client (min/max/count), by the
database's own driver alone. Targets at 1,000,000 clients / 5,000,000 activities: each metric
table ≤ 2 s, the full report ≤ 10 s, ``sla check`` ≤ 3 s (issue 10).

    python -m benchmarks --only metrics [--n 100000 --n 1000000] [--pg URL]

Measured 2026-12-03 on SQLite, 1,000,000 clients / 5,000,000 activities / 1,120,000 leads, on a
2-core machine shared with five other helpers (load average 8-24 throughout, so wall time is
mostly waiting for a core; CPU = user+sys of the leadctl process). Before = main 801809c,
after = the speed/SLA branch of that morning, same file, run minutes apart (not all back to back):

    command                   before wall / CPU      after wall / CPU     target
    metrics funnel             42.8 s /  7.1 s         (unchanged code)    ≤ 2 s
    metrics funnel --by bucket 45.4 s /  7.1 s         (unchanged code)    ≤ 2 s
    metrics reps              411.2 s / 63.5 s         (see below)         ≤ 2 s
    metrics queue             109.3 s / 10.5 s         (unchanged code)    ≤ 2 s
    metrics speed             385.6 s / 39.4 s       172.4 s / 34.4 s      ≤ 2 s
    metrics sla --by rep      136.5 s / 23.2 s        73.3 s / 22.3 s      ≤ 2 s
    sla check (647k listed)   192.5 s / 54.2 s       274.2 s / 53.7 s      ≤ 3 s
    report --html                  not measured      176.3 s / 117.1 s     ≤ 10 s

perf-facts (migration 0016, per-client facts kept in ``client_fact``), pairs back to back on
copies of the shared 1M database, load average 10-20, CPU of the leadctl process (SQLite):
metrics speed 18.7 → 9.4 s, speed --by rep 18.2 → 10.0 s, sla --by rep 12.6 → 5.4 s, sla --by
hour 12.8 → 5.2 s, sla check 24.1 → 18.1 s (figures and the PostgreSQL walls in benchmarks/sla.py).


Migration 0019 (perf-rollups), same 1M/5M data set (a copy of the shared file / a TEMPLATE copy
of the shared PostgreSQL database), before = main 119922e at 0015, after = 0019, back to back,
load average 9-10; PostgreSQL CPU is the client's only (the server does the work), so compare
wall there. Funnel JSON byte-identical before/after on both backends.

    command                    backend     before wall / CPU     after wall / CPU   target
    db upgrade 0015 → 0019     sqlite               —              15.3 s / 5.6 s   (backfill 4.0 s + indexes)
    db upgrade 0015 → 0019     postgresql           —              51.4 s wall       (48.2 s in the migration)
    metrics funnel             sqlite       9.9 s / 3.3 s          2.9 s / 0.74 s     ≤ 2 s
    metrics funnel --by bucket sqlite      10.3 s / 3.1 s          4.3 s / 1.1 s      ≤ 2 s
    metrics queue              sqlite      17.1 s / 4.7 s         13.2 s / 2.5 s      ≤ 2 s
    metrics funnel             postgresql  15.7 s wall             5.7 s wall         ≤ 2 s
    metrics funnel --by bucket postgresql  15.2 s wall             6.4 s wall         ≤ 2 s
    metrics queue              postgresql   6.1 s wall             4.3 s wall         ≤ 2 s

    metrics queue --by stage   sqlite               —               4.1 s / 1.05 s     ≤ 2 s
    report --html              sqlite     (117 s CPU, lead's)    196.9 s / 53.2 s    ≤ 10 s

(report: not back to back — the before is the lead's figure from main; the speed/SLA sections,
helper "facts"' job, and reps dominate it.) (this harness, after, SQLite: start-up 0.43 s CPU, funnel 1.00 s, funnel --by bucket 1.17 s,
queue 2.50 s CPU; practical limit 5.3 s wall under load.) What made them: ``client_funnel``
(the furthest funnel step per client, kept by AFTER INSERT triggers on activity) replaces the
funnel's pass over every activity; the queue reads ix_client_stage_merged_into_id_created_at,
the covering ix_assignment_client_id_started_at and ix_activity_type_at_client_id (cooldown
calls) instead of client rows, assignment rows and a skip-scan with table reads. Their price
on writes (200k old activities re-inserted into the 5M table in one SQLite transaction, CPU):
8.8 s at 0015, 14.0 s with ix_activity_type_at_client_id, 15.2 s with it and the trigger — the
index, not the trigger, is the cost (a pessimistic test: real imports append recent ``at``). About 40% of
the queue's remaining CPU on SQLite is system time reading pages (no mmap).

``metrics reps`` (perf-reps, migration 0023), same 1M/5M data set, a copy of the shared file /
a TEMPLATE copy of the shared PostgreSQL database upgraded 0015 → 0022 (SQLite 106.5 s wall /
26.9 s CPU, PostgreSQL 77.6 s wall) then 0022 → 0023 (SQLite 10.8 s wall / 8.2 s CPU, of it
4.0 s the index; PostgreSQL 4.1 s wall). Before = trial 1f7ef3a, after = perf-reps, back to
back, load average 4-10; JSON byte-identical before/after on both backends:

    command               backend     before wall / CPU      after wall / CPU     target
    metrics reps          sqlite       71.0 s / 34.9 s        30.3 s / 19.5 s      ≤ 2 s
    metrics reps          postgresql   31.3 s wall (load 8)   11.6 s wall (load 5)  ≤ 2 s
    (PostgreSQL median by percentile_cont instead of the window: 7.5 → 5.7 s wall, load 2.3)
    report --html         postgresql   31.0 s wall            23.7 s wall          ≤ 10 s
    report --html         sqlite       49.9 s / 44.4 s        53.5 s / 33.0 s      ≤ 10 s
    again, quieter (load 2.1-2.6), each pair back to back:
    metrics reps          sqlite       36.0 s / 32.3 s        21.8 s / 19.0 s      ≤ 2 s
    report --html         sqlite       44.9 s / 43.1 s        32.0 s / 31.1 s      ≤ 10 s

(after, one process, SQLite, load 3-5: reps' counts and last active from ``rep_activity_day``
0.0 s, booked/held meetings 2.2 s, the touch pass — distinct clients called and median touch
gap — 17.1 s CPU (31.4 s without ix_activity_rep_id_client_id_at); report sections: reps
18.3 s, speed 8.4 s, queue 1.8 s, the rest < 1 s each.) The touch pass is what keeps reps above
2 s: gaps between consecutive touches depend on both ends of the period, so no per-day sum
gives them; a stored per-touch gap with a per-rep/day gap histogram would, at the price of an
approximate median.

``metrics speed`` / ``metrics sla`` (metrics-speed, no migration), measured 2026-12-03 on
copies of the shared 1M data set (SQLite file / a TEMPLATE copy of the PostgreSQL database),
evaluated at a fixed moment (``speed_rows`` / ``sla_rows`` with ``at=2026-12-03 16:00Z``, so
the JSON can be compared: byte-identical before/after on each backend). Before = main
e0e75fa, after = metrics-speed, back to back, load average 6-13; SQLite: CPU of the process
(mean of 2 pairs); PostgreSQL: CPU of the server backend (``/proc/<pg_backend_pid>/stat``, no
parallel workers in the plan; one pair); wall in brackets:

    command                 sqlite before → after CPU (wall)     postgresql before → after CPU (wall)
    metrics speed            13.1 s → 6.5 s (38.3 → 19.5 s)       10.1 s → 5.2 s (18.6 → 8.5 s)
    metrics speed --by rep    8.9 s → 7.3 s (42.2 → 32.5 s)       10.1 s → 6.3 s (24.9 → 11.7 s)
    metrics sla --by rep      3.5 s → 3.2 s (10.2 →  7.7 s)        3.2 s → 2.7 s ( 5.4 →  4.4 s)
    metrics sla --by hour     8.2 s → 3.0 s (18.4 →  7.0 s)        2.9 s → 2.4 s ( 4.7 →  4.0 s)

What made them: the clients are read in rowid order on SQLite (a covering index in stage
order had made every client_fact / assignment look-up a random page: by campaign, hour,
weekday); the facts and the durations are fenced subqueries (each ``B`` and duration computed
once per client, not at every reference of the bin expression), streamed as co-routines (the
day table outer-joined) instead of materialised; the six histograms group by rep / campaign
id, named afterwards. Still above 2 s: on SQLite the facts pass itself (1M clients, a
client_fact and an assignment look-up and four day-table look-ups each, four timestamp
parses) is ~2.5 s CPU and the six 1M-row sorts of the histograms ~3 s; PostgreSQL spends
about half in the same per-client pass (hash joins, ``extract(epoch)`` in numeric).

``metrics speed`` stored (speed-stored, migration 0025: ``client_speed`` per-client bins and due
moments, ``speed_hist`` their counts per campaign / rep, triggers logging changed clients),
measured 2026-12-03 on copies of the shared 1M data set, before = main 241f2d0, after =
speed-stored, pairs back to back, load average 5-7 (2 cores shared). SQLite: CPU (user+sys) of
the console script; PostgreSQL: wall of the console script and, in process at one fixed
moment, the server backends' CPU (/proc), stored vs computed. Stored and computed JSON equal
at the same moment on both backends (``open_past_sla`` moves with the clock between runs):

    command                        sqlite CPU before → after     postgresql before → after
    metrics speed                  5.48 s → 0.42 s               wall 16.2 → 2.9 s, server 4.68 → 0.09 s
    metrics speed --by rep         5.77 s → 0.64 s               wall 21.7 → 4.1 s, server 6.02 → 0.15 s
    report --html (2 pairs)        12.2 → 10.3 s, 9.7 → 8.0 s    (see below)
    first metrics speed (fill)     — → 23.9 s (wall 78 s)        — → wall 84 s
    activity import 100k rows      26.8 s → 29.1 s (1 pair)
    metrics speed after that       — → 2.9 s (19.5k clients logged, recomputed first)

What costs what: the fill (all clients, once after the upgrade or a change of the business
hours, calendar or first-contact SLA) is today's per-client pass plus a B⁻¹ look-up per
unreached client and twelve 1M-row GROUP BYs into ``speed_hist``; afterwards a run reads the
group's ~200-bin histograms and an index range (``ix_client_speed_due{0,1,2}``) of the clients
whose SLA is still running. Writers pay a trigger per changed client row (client,
assignment, client_fact: only when a watched column changes) and the next ``metrics speed``
recomputes the logged clients in 5,000-id chunks. The report's speed bands read ``speed_hist``
too; its SLA by rep still builds the per-client facts.

``metrics reps`` and the report (metrics-reps), measured 2026-12-03 on copies of the shared
1M/5M database (SQLite file copy; PostgreSQL ``CREATE DATABASE … TEMPLATE``), before = main
e0e75fa, after = metrics-reps, each pair back to back, load average 8-18 (up to seven helpers
on 2 cores: walls are mostly waiting). PostgreSQL CPU = the server backends' (and their
parallel workers') user+sys from /proc, client CPU apart. JSON of ``metrics reps`` byte-identical
before/after on both backends.

    command          backend     before wall / CPU               after wall / CPU              target
    metrics reps     sqlite      136.5 s / 21.8 s (load 14)       52.0 s / 11.3 s (load 10)     ≤ 2 s
    metrics reps     sqlite      232.1 s / 23.5 s (load 15)       97.2 s / 12.5 s (load 18)     ≤ 2 s
    metrics reps     postgresql  39.4 s wall, server 6.2 s        34.6 s wall, server 6.2 s     ≤ 2 s
                                 (median of 3, load 10-16)        (median of 3, load 13-17)
    report --html    sqlite      132.9 s / 32.8 s (load 8)       142.5 s / 15.4 s (load 8)     ≤ 10 s
    report --html    sqlite      275.2 s / 36.2 s (load 17)      116.2 s / 14.8 s (load 16)    ≤ 10 s
    report --html    postgresql  72.4 s wall, server 16.2 s,      50.0 s wall, server 11.1 s,   ≤ 10 s
                                 client 3.4 s (load 13)           client 2.4 s (load 10)
    report --html    postgresql  105.8 s wall, server 15.8 s      72.3 s wall, server 11.8 s    ≤ 10 s
                                 (load 17)                        (load 17)

The report's breakdown (``python -m benchmarks.metrics --sections URL``, CPU of the report's
own process; on PostgreSQL the queries' CPU is the server's, so wall there):

    part (queries + chart)   sqlite CPU before → after      postgresql wall before → after (load 15-18)
    leads (1st chart: the    0.94 + 0.79 → 0.87 + 0.82      3.1 + 9.7 → 2.7 + 10.4
      matplotlib import)
    duplicates               0.69 + 0.06 → 0.81 + 0.09      2.4 + 1.1 → 2.4 + 1.1
    speed (+ SLA's facts)    6.30 + 0.06 → 6.12 + 0.08      37.2 + 0.9 → 35.1 + 1.0   (the speed helper's)
    funnel                   0.63 + 0.07 → 0.68 + 0.10      6.0 + 1.3 → 6.1 + 0.7
    reps                    21.21 + 0.13 → 3.04 + 0.18      32.8 + 3.3 → 6.2 + 2.8
    queue                    0.77 + 0.05 → 0.76 + 0.07      1.3 + 0.9 → 1.3 + 0.7
    sla (chart only)         1.17 → 0.17                    18.1 → 2.2
    render_html              1.83 → 1.06                    26.4 → 9.3   (every chart again + HTML)

What changed: ``metrics reps`` counts distinct clients called with one ``count(DISTINCT)``
over ix_activity_rep_id_client_id_at instead of a second (running-count) window, ranks only
the non-null gaps on SQLite, reads whole seconds with SQLite's ``unixepoch``, and answers
"a held meeting followed the booking" by a join to each client's latest held meeting instead
of a probe per booking; the report's leaderboard skips the touch pass (it shows neither
median touch gap nor attempts per client) and its SLA chart draws 15 reps, not 200. Each
metric is computed once per report (speed and SLA share one build of the facts; a chart is
drawn only when the HTML is written). What is left in reps: the touch pass (the ``lag`` over
4.5M touches, ~5 s CPU on SQLite, then the median's ranking, ~4 s), which still needs
ix_activity_rep_id_client_id_at (both the lag and the distinct count read it in order, so it
stays). Only a per-touch gap kept at write time would take reps under 2 s.

``metrics sla`` / ``metrics queue`` (sla-queue-metrics, no migration), measured 2026-12-03 on
copies of the shared 1M/5M data set (SQLite file copy; PostgreSQL ``CREATE DATABASE …
TEMPLATE``), before = main 241f2d0, after = sla-queue-metrics, back to back. JSON of
``sla_rows`` (by rep, hour, weekday, source, campaign, day) and ``queue_depth`` (by rep, stage,
campaign) at a fixed moment byte-identical before/after on each backend. SQLite: CPU
(user+sys) of the real console script, four pairs (load 6, 6, 5-8, 5-8; CPU time is inflated
under load: in the last round before and after alike ran ~50% slower); PostgreSQL: the server
backend's CPU from ``/proc`` in process (no parallel workers in these plans), one pair, load 7-9:

    command                sqlite CPU before → after (4 pairs)           postgresql server CPU
    metrics sla (by rep)   3.03 / 2.70 / 3.17 / 4.66 → 1.77 / 1.76 / 2.17 / 3.16 s   2.69 → 1.52 s
    metrics sla --by hour  2.75 / 2.68 / 3.28 / 4.58 → 1.88 / 1.75 / 1.98 / 3.34 s   2.19 → 1.53 s
    metrics queue          2.33 / 2.51 / 3.15 / 4.38 → 1.79 / 1.67 / 2.21 / 2.27 s   0.39 → 0.41 s

What made them: ``metrics sla`` builds its own lean per-client facts
(``sla.first_contact_facts``: the capture and the first call, their ``B``, the allowance)
instead of speed's (no active-assignment look-up, two day-table joins instead of four),
grouped by rep / campaign id and named afterwards; ``metrics queue --by rep`` reads the
clients by rowid (``sqlfunc.in_rowid_order``), not the covering (stage, …) index, so the
active-assignment look-ups walk ix_assignment_client_id_started_at in key order (the query
1.7 → 0.9 s); on PostgreSQL ``epoch_seconds`` is ``date_part`` (a double) instead of
``extract`` (a numeric), exact to the second. In process the SLA query is now ~1.2 s CPU on
SQLite (client scan + client_fact look-up 0.5 s, the two ``B`` 0.3 s, the 1M-row GROUP BY
sort and sums 0.4 s) and start-up ~0.6 s, so the command sits at the 2 s target and above it
under load; the sort is the next cut (SQLite has no hash aggregate).

The practical limit on SQLite is itself above the
2 s target: one GROUP BY of the activity table by client costs ~0.3 s CPU per 100k clients
(~3 s at 1M on an idle core), so a metric that re-reads the activities per run cannot reach
2 s on SQLite; per-client first-call / first-conversation moments kept on the client (or a
summary table maintained by ``insert_activities``) would be the next step.

``metrics reps`` from stored gaps and bookings (reps-stored, migration 0026: ``touch_gap``, the
gap before each touch, and ``meeting_booking``, each booking's due moment and held flag, both
kept by every activity writer through ``facts.fold``/``rebuild``), measured 2026-12-03 on copies
of the shared 1M/5M data set (SQLite file copy; PostgreSQL ``CREATE DATABASE … TEMPLATE``),
before = main 241f2d0 at 0024, after = reps-stored at 0026, minutes apart (not strictly back to
back), load average 6-13. SQLite: CPU of the process; PostgreSQL: CPU of the server backends
(sampled from /proc as ``benchmarks/assign.py`` does), client CPU apart, wall in brackets. The
JSON of ``metrics reps`` is field-for-field identical before/after on both backends:

    command          backend     before                               after                               target
    metrics reps     sqlite      13.2 s / 10.5 s CPU (29.0 / 24.5 s)   1.25 s / 1.16 s CPU (4.0 / 2.6 s)   ≤ 2 s
    metrics reps     postgresql  server 5.6 / 5.1 s (18.0 / 15.7 s)    server 1.1 s (4.4 s), client 0.8 s  ≤ 2 s
    report --html    sqlite      11.8 s CPU (33.7 s, load 13)          9.2 s CPU (43.9 s, load 6)          ≤ 10 s
    report --html    postgresql  50.7 s wall, client 3.2 s             28.1 s wall, client 2.1 s           ≤ 10 s
    db upgrade 0024 → 0026       sqlite 142 s wall / 48 s CPU (117 s the migration); postgresql 81 s wall

Where the after's SQLite 1.2 s goes: start-up ~0.4 s, distinct clients called (``count(DISTINCT)``
over ix_activity_rep_id_client_id_at) 0.3 s, the median 0.3 s (a grouped count over
ix_touch_gap_rep_id_gap_s, then 200 offset reads), the hold rate 0.1 s. Before, the touch pass
(``lag`` ~5 s + the median's sort ~4 s) and the held-meeting join (2.4 s) were the cost. On
PostgreSQL the median's offset reads are index-only once the table is vacuumed (autovacuum
does it after the inserts; the figure above is after ``VACUUM``).

``metrics sla`` and the report's SLA by rep stored (report-fast, migration 0028: ``client_speed``
gains ``fc_d``/``fc_met``/``fc_due``, ``speed_hist`` measure 3, ``client_speed_state.span_lo``),
measured 2026-12-03 on a copy of the shared 1M SQLite file (before = main bc592b1 at 0027, after =
report-fast at 0028, both filled once by a ``metrics speed`` first: 23.6 → 28.9 s CPU, the fill
now also groups the SLA terms), pairs back to back, load average 4-13; CPU = user+sys of the
console script, median of 3 (wall in brackets). The PostgreSQL 1M copy was still being built, so
PostgreSQL is a 100k-client / 500k-activity database built by ``populate`` (``rf_before`` at 0027,
a TEMPLATE copy upgraded to 0028, vacuumed), server CPU from ``/proc`` of the database's
backends, load 2.7. Stored and computed rows equal at one moment on both (``sla_rows`` by rep and
campaign, ``speed_bands_and_sla_by_rep``):

    command          sqlite 1M CPU before → after        postgresql 100k before → after
    report --html    5.98 → 4.22 s (13.5-14.5 → 8.8-11.7)  server 0.56 → 0.46 s, client 1.59 → 1.53 s
    metrics sla      2.23 → 0.47 s (5.0-6.3 → 0.9-1.4)     server 0.12 → 0.00 s, wall 1.00 → 0.73 s
    metrics queue    2.00 → 1.98 s (3.9-4.9 → 4.8-4.9)     server 0.06 → 0.07 s, wall 0.68 → 0.81 s

The report's parts in process (``--sections``, SQLite 1M CPU before → after): speed and SLA
1.94 → 0.07 s (the stored bands and SLA counts of one read transaction), the rest unchanged:
leads 0.7 + its chart (the matplotlib import) 0.7, duplicates 0.6, funnel 0.6, reps 0.2-0.3,
queue 0.7, the HTML with every chart 0.7. ``metrics queue --by rep`` filters the working stages
inside the rowid-ordered client scan (only those get the assignment and cooldown look-ups: the
query alone 1.33 → 1.15 s CPU in isolation, within the noise end to end); what is left there is
the assignment look-up per working client (~0.7 s) and the 700k-row GROUP BY sort (~0.3 s).
PostgreSQL at 1M (pg-1m, 2026-12-04). ``populate`` never finished on PostgreSQL at 1M before:
``facts.rebuild`` → ``bookings.rebuild`` ran its "held meeting at or after the booking" probe per
booking on ix_activity_type_at_client_id (tables never analysed in the load's transaction:
every later meeting, per booking). Whole-table rebuild, PostgreSQL server CPU, in the load's
transaction (``main`` a6660fc → pg-1m, back to back at 100k, load 2-3):

    step                       100k before → after       200k before → after     1M after (wall, load 5)
    bookings.rebuild(conn)     128.3 s → 0.55 s          402.1 s → 0.93 s        ~25 s (before: > 86 min)
    touches.rebuild(conn)        5.8 s → 3.9 s            10.3 s → 8.4 s         ~2 min
    populate (whole data set)         —                         —                592 s wall
    SQLite, 100k, process CPU: touches 8.0-10.2 s → 4.6-5.1 s, bookings 0.54-0.65 → 0.47-0.58 s

Then every metric on the 1M / 5M database, quiet machine (load 0.1-0.8; SQLite 0.0-1.4), the
stored speed bins filled once (PostgreSQL 56 s wall / 33 s server, SQLite 44 s), console
script wall / its CPU / PostgreSQL backends' CPU (``benchmarks.assign._ServerCPU``):

    command                    postgresql wall / cpu / server    sqlite wall / cpu     target
    (start-up: rep show R)      0.74 / 0.72 / 0.01                0.56 / 0.56
    metrics funnel              2.01 / 0.58 / 1.31                1.21 / 1.18          ≤ 2 s
    metrics funnel --by bucket  2.27 / 0.67 / 1.59                1.51 / 1.50          ≤ 2 s
    metrics reps                3.30 / 0.85 / 2.61                2.63 / 2.36          ≤ 2 s
    metrics queue               1.61 / 0.73 / 1.51                2.60 / 2.55          ≤ 2 s
    metrics speed               0.76 / 0.73 / 0.01                0.84 / 0.84          ≤ 2 s
    metrics speed --by rep      1.42 / 1.34 / 0.09                1.42 / 1.42          ≤ 2 s
    metrics sla --by rep        0.73 / 0.69 / 0.01                0.53 / 0.53          ≤ 2 s
    metrics sla --by hour       2.57 / 0.76 / 1.83                3.22 / 3.16          ≤ 2 s
    metrics compliance          0.79 / 0.74 / 0.03                0.87 / 0.79          ≤ 2 s
    metrics duplicates          1.26 / 0.59 / 1.11                1.58 / 1.52          ≤ 2 s
    metrics assignment          0.97 / 0.75 / 0.33                1.26 / 1.17          ≤ 2 s
    report --html               6.99 / 3.12 / 4.69                7.03 / 6.69          ≤ 10 s
    sla check --format jsonl   23.85 / 14.70 / 7.89              15.42 / 14.42         ≤ 3 s
      (642k rows listed)
    sla check (table, 50)       3.68 wall / 0.76 cpu              —                    ≤ 3 s

Left on PostgreSQL: reps — the distinct clients called (index-only scan of 2.7M calls, 0.9 s)
and the grouped count of touch_gap (a parallel seq scan, ~1.2 s CPU over three processes);
sla --by hour — a 1M-row client ⋈ client_fact hash join (spilling at work_mem 4 MB) plus two
day-table joins, computed per run (by rep is stored); the sla check table — the same join
for 800k open clients and a ``sum() OVER ()`` over 642k rows (a tuplestore spilling to disk).
With shared_buffers 128 MB every run reads client/client_fact from the OS cache again.

2026-12-07, a quiet machine (load 0.5-2), wall seconds of the console script, one run each
unless a range is given (ranges: repeated warm runs). Before = main 304efe1 on data set version
1 (SQLite analysed); after = this harness on version 2 (SQLite not analysed, as a user's file
never is) with migration 0029 (``metrics sla --by hour|weekday`` stored), the funnel grouped by
the lead's bucket id on PostgreSQL, ``schema.held`` and the covering reads on an unanalysed
SQLite file, and the median touch gap in one statement on PostgreSQL:

    command                    sqlite before → after       postgresql before → after     target
    (start-up: rep show R)     0.47 → 0.44                 0.64 → 0.60
    metrics funnel             0.91 → 0.99                 1.73 → 1.39 (warm 1.27-1.53)  ≤ 2 s
    metrics funnel --by bucket 1.34 → 1.43                 2.18 → 1.61 (warm 1.73-2.09 → 1.55-1.80)
    metrics reps               1.45 → 1.49                 2.17 → 1.90 (warm 1.85-2.28 → 1.50-1.94)
    metrics queue              1.90 → 2.18 (warm 1.82-1.97) 1.25 → 1.28                  ≤ 2 s
    metrics sla --by hour      2.10 → 0.57                 2.36 → 0.62                   ≤ 2 s
    metrics assignment         0.83 → 0.68                 0.76 → 0.64                   ≤ 2 s
    report --html              5.05 → 5.93                 6.33 → 4.55                   ≤ 10 s
    sla check --format jsonl   12.69 → 14.21 (623k rows)   14.79 → 13.07                 ≤ 3 s
    sla check (table, 50)      2.87 → 2.65-3.03            2.90-3.17                     ≤ 3 s

The SQLite "before" column was measured on an analysed file: on the same data unanalysed,
before these changes, ``metrics queue`` took 3.5-4.3 s, ``metrics assignment`` 2.0-2.4 s and
``sla check`` (table) 3.9 s; the planner, with no statistics, joined each client's active
assignment through the unique partial index and then the row (``schema.held``). Left over the
line: SQLite ``metrics queue`` (every working client's rep from the covering assignment index,
~0.4 s of its ~1.45 s query; a GROUP BY sort of 800k rows) and the listing of 623k SLA rows,
where encoding the rows (JSON) and building them in Python take 8 of SQLite's 14 s.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LEADCTL = os.environ.get("LEADCTL_BENCH_BIN") or str(Path(sys.executable).with_name("leadctl"))
REPS = 200
ACTS = 5
VERSION = 2  # bump when the generated data changes (cached files are rebuilt); 2: SQLite not analysed
TARGETS = {"metrics": 2.0, "report": 10.0, "sla check": 3.0}
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("metrics", ("metrics", "funnel", "--format", "json")),
    ("metrics", ("metrics", "funnel", "--by", "bucket", "--format", "json")),
    ("metrics", ("metrics", "reps", "--format", "json")),
    ("metrics", ("metrics", "queue", "--format", "json")),
    ("metrics", ("metrics", "speed", "--format", "json")),
    ("metrics", ("metrics", "speed", "--by", "rep", "--format", "json")),
    ("metrics", ("metrics", "sla", "--by", "rep", "--format", "json")),
    ("metrics", ("metrics", "sla", "--by", "hour", "--format", "json")),
    ("metrics", ("metrics", "compliance", "--format", "json")),
    ("metrics", ("metrics", "duplicates", "--format", "json")),
    ("metrics", ("metrics", "assignment", "--format", "json")),
    ("report", ("report", "--html", "{tmp}/report.html")),
    ("sla check", ("sla", "check", "--format", "jsonl")),
)


def _sql(dialect: str, n: int, now: datetime) -> list[str]:
    """INSERT … SELECT statements generating the data set (dialects differ only in the number
    series, timestamps, zero-padding and JSON literals)."""
    epoch = int(now.timestamp())
    pg = dialect == "postgresql"

    def ts(seconds: str) -> str:
        """A timestamp ``seconds`` after the epoch."""
        if pg:
            return f"to_timestamp({seconds})"
        return f"datetime({seconds}, 'unixepoch') || '.000000'"

    def series(k: int) -> str:
        if pg:
            return f"(SELECT generate_series(1::bigint, {k}) AS x) s"
        return f"(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {k}) SELECT x FROM s) s"

    def js(expr: str) -> str:
        return f"({expr})::jsonb" if pg else expr

    true = "true" if pg else "1"
    nowts = ts(str(epoch))
    # Client c: captured (c * 7919) % 60 days + 10 min ago; every tenth never called.
    age = "((CAST((c) AS BIGINT) * 7919) % 5184000 + 600)"
    cap = f"({epoch} - {age})"
    manager = f"CASE WHEN (c) % 20 = 0 THEN NULL ELSE 1 + (c) % {REPS} END"
    stage = (
        "CASE WHEN (c) % 10 = 0 THEN 'untouched' WHEN (c) % 10 < 4 THEN 'attempted' WHEN (c) % 10 < 7 "
        "THEN 'engaged' WHEN (c) % 10 = 7 THEN 'appointment' WHEN (c) % 10 = 8 THEN 'disqualified' "
        "ELSE 'converted' END"
    )
    h = "((x * 48271) % 2147483647)"
    # First touch: 20% within 5 min, 30% within the hour, 30% within a day, 20% within 3 days.
    d0 = f"(CASE {h} % 10 WHEN 0 THEN {h} % 300 WHEN 1 THEN {h} % 300 WHEN 2 THEN {h} % 3600 WHEN 3 THEN {h} % 3600 WHEN 4 THEN {h} % 3600 WHEN 5 THEN {h} % 86400 WHEN 6 THEN {h} % 86400 WHEN 7 THEN {h} % 86400 ELSE {h} % 259200 END)"
    c = f"((x - 1) / {ACTS} + 1)"
    k = f"((x - 1) % {ACTS})"
    a_age = age.replace("(c)", c)
    offset = f"(({d0} + {k} * ({h} % 172800)) % {a_age})"
    at = f"({cap.replace(age, a_age)} + {offset})"
    silent = f"{c} % 10 = 0"  # never called: only e-mails and dispositions
    typ = (
        f"CASE WHEN {silent} THEN CASE WHEN {k} < 3 THEN 'email' ELSE 'disposition' END "
        f"ELSE CASE {k} WHEN 0 THEN 'call' WHEN 1 THEN 'call' WHEN 2 THEN 'email' WHEN 3 THEN 'meeting' "
        "ELSE 'call' END END"
    )
    outcome = (
        f"CASE WHEN {silent} THEN CASE WHEN {k} < 3 THEN 'sent' ELSE 'nurture' END "
        f"ELSE CASE {k} WHEN 0 THEN CASE {h} % 4 WHEN 0 THEN 'conversation' WHEN 1 THEN 'voicemail' ELSE 'no_answer' END "
        f"WHEN 1 THEN CASE {h} % 3 WHEN 0 THEN 'conversation' ELSE 'no_answer' END "
        f"WHEN 2 THEN CASE {h} % 3 WHEN 0 THEN 'replied' WHEN 1 THEN 'opened' ELSE 'sent' END "
        f"WHEN 3 THEN CASE {h} % 5 WHEN 0 THEN 'held_qualified' WHEN 1 THEN 'held_unqualified' WHEN 2 THEN 'no_show' ELSE 'booked' END "
        f"ELSE CASE {h} % 2 WHEN 0 THEN 'conversation' ELSE 'no_answer' END END END"
    )
    a_manager = manager.replace("(c)", c)
    n_dup, n_rej = n // 10, n // 50
    bucket = "1 + (c) % 4"
    source = "CASE (c) % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'events' WHEN 2 THEN 'partner' ELSE 'list' END"

    def client_expr(e: str, col: str) -> str:
        return e.replace("(c)", f"({col})")

    reasons = "CASE x % 3 WHEN 0 THEN 'calling_window' WHEN 1 THEN 'call_cap' ELSE 'do_not_contact' END"
    blocked_data = f"'{{\"reason\": \"' || {reasons} || '\", \"rep_id\": ' || (1 + x % {REPS}) || '}}'"
    pad = "lpad(x::text, 9, '0')" if pg else "printf('%09d', x)"
    empty_list, empty_obj = js("'[]'"), js("'{}'")
    invalid = js("'[\"email: invalid\"]'")
    return [
        f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'Bench', {true}, {nowts}, {nowts})",
        "INSERT INTO rep (id, email, name, role, skills, territories, active, created_at, updated_at) "
        f"SELECT x, 'rep' || (x - 1) || '@bench.example', 'Rep ' || x, 'setter', {empty_list}, {empty_list}, {true}, "
        f"{nowts}, {nowts} FROM {series(REPS)}",
        f"INSERT INTO campaign_rep (campaign_id, rep_id, approved_at) SELECT 1, x, {nowts} FROM {series(REPS)}",
        "INSERT INTO bucket (id, name, label, campaign_id, source, active, view_unassigned_only, created_at, updated_at) "
        f"SELECT x - 1, 'b' || (x - 1), {client_expr(source, 'x - 1')}, 1, {client_expr(source, 'x - 1')}, {true}, "
        f"{'false' if pg else '0'}, {nowts}, {nowts} FROM {series(4)}",
        "INSERT INTO client (id, campaign_id, manager_id, bucket_label, origin_lead_id, email, country, custom, "
        "created_at, updated_at, stage) "
        f"SELECT x, 1, {client_expr(manager, 'x')}, {client_expr(source, 'x')}, x, 'c' || x || '@x.com', 'US', "
        f"{empty_obj}, {ts(client_expr(cap, 'x'))}, {nowts}, {client_expr(stage, 'x')} FROM {series(n)}",
        # origin leads (processed), then duplicates of existing clients, then rejected rows
        "INSERT INTO lead (id, bucket_id, campaign_id, row_hash, status, reasons, client_id, email, source, "
        "registered_at, custom, raw, created_at, updated_at) "
        f"SELECT x, {client_expr(bucket, 'x')} - 1, 1, 'h' || x, 'processed', {empty_list}, x, 'c' || x || '@x.com', "
        f"{client_expr(source, 'x')}, {ts(client_expr(cap, 'x') + ' - 1')}, {empty_obj}, {empty_obj}, "
        f"{ts(client_expr(cap, 'x') + ' - 1')}, {nowts} FROM {series(n)}",
        "INSERT INTO lead (id, bucket_id, campaign_id, row_hash, status, reasons, client_id, duplicate_of_client_id, "
        "email, source, registered_at, custom, raw, created_at, updated_at) "
        f"SELECT {n} + x, {client_expr(bucket, 'x * 7 % ' + str(n) + ' + 1')} - 1, 1, 'd' || x, 'duplicate', {empty_list}, "
        f"x * 7 % {n} + 1, x * 7 % {n} + 1, 'c' || (x * 7 % {n} + 1) || '@x.com', "
        f"{client_expr(source, 'x * 7 % ' + str(n) + ' + 1')}, {ts(str(epoch) + ' - (x * 104729) % 5184000')}, "
        f"{empty_obj}, {empty_obj}, {ts(str(epoch) + ' - (x * 104729) % 5184000')}, {nowts} FROM {series(n_dup)}",
        "INSERT INTO lead (id, bucket_id, campaign_id, row_hash, status, reasons, source, registered_at, custom, raw, "
        "created_at, updated_at) "
        f"SELECT {n + n_dup} + x, x % 4, 1, 'r' || x, 'rejected', {invalid}, 'list', "
        f"{ts(str(epoch) + ' - (x * 15485863) % 5184000')}, {empty_obj}, {empty_obj}, "
        f"{ts(str(epoch) + ' - (x * 15485863) % 5184000')}, {nowts} FROM {series(n_rej)}",
        "INSERT INTO assignment (client_id, rep_id, campaign_id, rule, reason, actor, started_at) "
        f"SELECT id, manager_id, 1, 'rank', {empty_obj}, 'bench', {ts(client_expr(cap, 'id') + ' + 5')} "
        "FROM client WHERE manager_id IS NOT NULL",
        "INSERT INTO activity (id, activity_key, client_id, rep_id, campaign_id, type, outcome, at, verified_dial, "
        "duration_s, meeting_at, source, actor, created_at) "
        f"SELECT x, 'b' || {pad}, {c}, COALESCE({a_manager}, 1 + x % {REPS}), 1, {typ}, {outcome}, {ts(at)}, {true}, "
        f"30 + {h} % 600, CASE WHEN {k} = 3 AND NOT ({silent}) THEN {ts(at + ' + 172800')} END, 'bench', 'bench', "
        f"{nowts} FROM {series(n * ACTS)}",
        "INSERT INTO lead_event (client_id, at, kind, actor, data) "
        f"SELECT x * 20, {ts(str(epoch) + ' - (x * 7919) % 2592000')}, 'call_blocked', 'bench', {js(blocked_data)} "
        f"FROM {series(n // 20)}",
    ]


def populate(url: str, n: int) -> float:
    """Build the data set into an empty database at ``url``; seconds taken."""
    from leadctl.storage import schema
    from leadctl.storage.engine import open_engine, write

    t0 = time.perf_counter()
    engine = open_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    pg = engine.dialect.name == "postgresql"
    with write(engine) as conn:
        indexes = list(schema.activity.indexes)
        for idx in indexes:
            idx.drop(conn)
        for stmt in _sql(engine.dialect.name, n, now):
            t = time.perf_counter()
            conn.exec_driver_sql(stmt.replace("%", "%%") if pg else stmt)
            print(f"  populate: {stmt[:50]}… {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
        for idx in indexes:
            idx.create(conn)
        from leadctl.services.assign import rollup
        from leadctl.services.work import facts

        facts.rebuild(conn)  # the activities went in directly: their per-client facts
        rollup.rebuild(conn)  # and the per-rep/day rollup `metrics reps` and ranking read
        if pg:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('client', 'id'), (SELECT max(id) FROM client))"
            )
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('lead', 'id'), (SELECT max(id) FROM lead))"
            )
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('activity', 'id'), (SELECT max(id) FROM activity))"
            )
    if pg:  # what autovacuum does to a table that grew this much
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    # SQLite: no ANALYZE. Neither leadctl nor SQLite itself analyses a user's database, so its
    # planner picks by index shape alone there; version 1 of this data set was analysed and
    # hid plans that cost 2-4x on a real database (metrics queue, assignment; see schema.held).
    engine.dispose()
    return time.perf_counter() - t0


def _timed(url: str, args: list[str]) -> tuple[float, float, str]:
    """Run the console script; (wall s, CPU s of the child, last stderr line or line count)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([LEADCTL, "--db", url, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 3, 4):  # 3/4: a --fail-on-… alert
        raise RuntimeError(f"leadctl {' '.join(args)}: {p.stderr.strip()[-500:]}")
    lines = p.stderr.strip().splitlines()
    return wall, cpu, (lines[-1] if lines else f"{len(p.stdout)} bytes out")


def practical_limit(url: str) -> float:
    """One full GROUP BY of the activity table by client, by the database's driver alone."""
    from benchmarks.sla import driver_query_seconds

    return driver_query_seconds(
        url, "SELECT client_id, count(*), min(at), max(at) FROM activity GROUP BY client_id"
    )


def _pg_database(base: str, n: int, keep: bool) -> tuple[str, bool, Any]:
    """(url, already built, drop) of the benchmark's PostgreSQL database for ``n`` clients."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"leadctl_bench_metrics_{n}_v{VERSION}" if keep else f"leadctl_bench_metrics_{os.getpid()}_{n}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), bool(exists), drop


def _database(backend: str, n: int, pg: str | None, keep: bool) -> tuple[str, Any, float | None]:
    if backend == "sqlite":
        cache = Path(os.environ.get("TMPDIR", "/tmp")) / "leadctl-bench"
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / f"metrics-{n}-v{VERSION}.db"
        url = f"sqlite:///{path}"
        built = None
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            built = populate(f"sqlite:///{partial}", n)
            partial.rename(path)
        return url, (lambda: None), built
    url, exists, drop = _pg_database(pg or "", n, keep)
    built = None
    try:
        if not exists or not _populated(url):
            built = populate(url, n)
    except BaseException:
        drop()
        raise
    return url, drop, built


def _populated(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM activity")).scalar())
    except Exception:
        return False
    finally:
        engine.dispose()


def run(ns: list[int], pg: str | None, keep: bool | None = None) -> list[dict[str, Any]]:
    keep = bool(os.environ.get("LEADCTL_BENCH_KEEP")) if keep is None else keep
    out: list[dict[str, Any]] = []
    tmp = tempfile.mkdtemp(prefix="leadctl-bench-metrics-")
    only = {s.strip() for s in os.environ.get("LEADCTL_BENCH_METRICS", "").split(",") if s.strip()}
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not pg:
            continue
        if os.environ.get("LEADCTL_BENCH_BACKEND", backend) != backend:
            continue
        for n in ns:
            url, drop, built = _database(backend, n, pg, keep)
            try:
                up = subprocess.run([LEADCTL, "--db", url, "db", "upgrade"], capture_output=True, text=True)
                if up.returncode != 0:
                    raise RuntimeError(up.stderr)
                start, start_cpu, _ = min(
                    _timed(url, ["rep", "show", "rep0@bench.example"]) for _ in range(3)
                )
                limit = min(practical_limit(url) for _ in range(2))
                out.append(
                    {
                        "backend": backend,
                        "clients": n,
                        "command": "(start-up: rep show R)",
                        "wall_s": f"{start:.2f}",
                        "cpu_s": f"{start_cpu:.2f}",
                        "target": "",
                        "limit_s": f"{limit:.2f}",
                        "note": f"built in {built:.0f} s" if built is not None else "reused",
                    }
                )
                # The stored speed bins (migration 0025) are filled by the first ``metrics speed``
                # after an upgrade (or a rules change): timed on its own row, not in the metric's.
                wall, cpu, _ = _timed(url, ["metrics", "speed", "--format", "json"])
                out.append(
                    {
                        "backend": backend,
                        "clients": n,
                        "command": "(fill: first metrics speed)",
                        "wall_s": f"{wall:.2f}",
                        "cpu_s": f"{cpu:.2f}",
                        "target": "",
                        "limit_s": f"{limit:.2f}",
                        "note": "once per upgrade / rules change",
                    }
                )
                for kind, args in COMMANDS:
                    label = " ".join(
                        a for a in args if a not in ("--format", "json", "jsonl") and "{" not in a
                    )
                    if only and not any(o in label for o in only):
                        continue
                    argv = [a.replace("{tmp}", tmp) for a in args]
                    wall, cpu, note = _timed(url, argv)
                    out.append(
                        {
                            "backend": backend,
                            "clients": n,
                            "command": label,
                            "wall_s": f"{wall:.2f}",
                            "cpu_s": f"{cpu:.2f}",
                            "target": f"≤ {TARGETS[kind]:g} s",
                            "limit_s": f"{limit:.2f}",
                            "note": note[:50],
                        }
                    )
                    print(
                        f"  {backend} {n}: {label} {wall:.2f}s wall {cpu:.2f}s cpu",
                        file=sys.stderr,
                        flush=True,
                    )
            finally:
                drop()
    return out


def report_sections(url: str) -> list[dict[str, Any]]:
    """The report's own breakdown, in this process: each section's queries (CPU of this
    process: on PostgreSQL the server's work is in the wall column only), its chart and the
    HTML rendering, so what ``report --html`` spends is attributed to a section.

        python -m benchmarks.metrics --sections sqlite:////path/to/bench.db
    """
    from leadctl.report.build import Report, render_html
    from leadctl.report.sections import REGISTRY, Context
    from leadctl.rules import load_rules
    from leadctl.services.metrics.common import Scope
    from leadctl.storage.engine import open_engine
    from leadctl.storage.types import utcnow

    def clock() -> tuple[float, float]:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), r.ru_utime + r.ru_stime

    def row(part: str, t0: tuple[float, float]) -> dict[str, Any]:
        t1 = clock()
        return {"part": part, "wall_s": f"{t1[0] - t0[0]:.2f}", "cpu_s": f"{t1[1] - t0[1]:.2f}"}

    engine = open_engine(url)
    ctx = Context(engine, load_rules(None), Scope())
    out, sections = [], []
    for key, fn in REGISTRY.items():
        t0 = clock()
        section = fn(ctx)
        out.append(row(f"{key}: queries", t0))
        t0 = clock()
        section.chart()
        out.append(row(f"{key}: chart", t0))
        sections.append((key, section))
    t0 = clock()
    render_html(Report(utcnow(), ctx.scope, sections))  # draws every chart again, as the file does
    out.append(row("render_html (charts + HTML)", t0))
    engine.dispose()
    return out


if __name__ == "__main__":
    import argparse

    from tabulate import tabulate

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sections", metavar="URL", required=True, help="time the report's sections")
    print(tabulate(report_sections(parser.parse_args().sections), headers="keys", disable_numparse=True))
