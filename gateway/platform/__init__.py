"""The platform under everything: database engine, Redis (and the embedded server),
migrations, logs and masking, dates, phone numbers, the app's services.

May import: config, flows (pure helpers). Nothing else of gateway imports below it.
"""
