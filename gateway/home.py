"""The landing page: what is running and how to try it (the console comes later)."""

from __future__ import annotations

from flask import Blueprint, render_template_string

bp = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>سامانه ثبت‌نام وام مستمری‌بگیران</title></head>
<body style="font-family: Tahoma, sans-serif; max-width: 40rem; margin: 2rem auto">
<h1>سامانه ثبت‌نام وام مستمری‌بگیران</h1>
<p dir="ltr">Pensioner loan registration gateway is running.</p>
<ul dir="ltr">
<li><a href="/console/">Console</a> (sign in with the login `make run` printed)</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>,
<a href="/metrics">/metrics</a></li>
<li>Try the dialog: <code>.venv/bin/smsgw simulate --phone 09121234567</code></li>
</ul></body></html>"""


@bp.get("/")
def index():
    return render_template_string(PAGE)
