"""Reminders by e-mail (README "Påminnelser per e-post"): events of the portal become mails in an
outbox, sent after the transaction commits by a background job (or `flask portal send-reminders`).

A mail names only the registry number and links to the portal: no decision is made by e-mail and no
personal data leaves it.
"""
