"""The watched inbox: a folder where county staff (or a file share) drop submitted CSV and XLSX files.

:func:`monitor.inbox.scan.scan_inbox` is the job (and ``monitor inbox scan`` runs it once). ``folder`` knows the
files on disk (which are candidates, when one has settled, moving it out); ``report`` writes the words (the
``.errors.txt`` beside a refused file and the message to the county); ``records`` keeps ``inbox_files``.
docs/inbox.md describes the behaviour for people.
"""
