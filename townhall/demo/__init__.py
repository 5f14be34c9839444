"""`townhall demo`: a working Hải Dương (2022–2023) built from real units through the services.

Citizens are fictional and officials are named by title only. Every step is idempotent, so a
second run neither duplicates nor fails.
"""
