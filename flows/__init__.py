"""Pure dialog code: the flow engine, the registration dialog, its USSD rendering, parsers
and message catalogues. No I/O: no Flask, SQLAlchemy, Redis or twilio import; it gets
text and a clock and returns data. Imports nothing of gateway or workers."""
