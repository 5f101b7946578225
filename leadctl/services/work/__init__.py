"""The rep's work: clients, activities, stages, lists, scoring, the queue and SLAs.

clients         clients list/show: the client as the unit of work (one query per listing page)
activities      activity log, the one insertion point of activities and its upkeep; terminal dispositions
activity_import activity import: a dialer's or e-mail tool's file, streamed in chunks
activity_files  streaming CSV / JSON Lines reader for activity imports
facts           per-client facts of the activities (client_fact), kept by every writer
touches         the gap before each touch (touch_gap), for metrics reps
bookings        each meeting booked and whether it was held (meeting_booking)
stages          the stage state machine (one table of transitions)
lists           the fixed lists derived from activities, and custom lists
suppression     dnc add/import/list/remove and the intake screen for new clients
timezones       a client's IANA time zone and where it came from
calling         calling windows, call caps and cooldown: may this client be called now
scoring         the dynamic priority; scoring_static the static score from the rules
score_store     the stored static scores (client_score) and the bound the queue orders by
queue           leadctl queue: the tiers and the ranked rows; queue_pruned reads only what can reach
                the top; queue_read what queue and dialer read
dialer          leadctl next: one client handed out and leased
sla             first-contact and follow-up SLAs in business time, sla check; sla_escalate the
                levels fired once per deadline; sla_explain one client's deadline
business_sql    business time in SQL: the per-day temporary tables B(t) and its inverse read
"""
