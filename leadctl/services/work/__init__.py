"""The rep's work: clients, activities, do-not-contact; stages, lists, scoring and the queue to come.

clients        clients list/show: the client as the unit of work (one query per listing page)
activities     activity log/import: parse, resolve set-based, bulk insert; terminal dispositions
activity_files streaming CSV / JSON Lines reader for activity imports
suppression    dnc add/import/list/remove and the intake screen for new clients
"""
