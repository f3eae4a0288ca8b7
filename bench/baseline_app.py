"""The bare baseline: Flask + SQLAlchemy + Jinja rendering 50 invoice rows joined to their customers
from the same database, nothing else (no login, no access checks, no layout). Each portal page is
measured against it in one load run (bench/load.py).

    DATABASE_URL=postgresql+psycopg://... gunicorn bench.baseline_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

from portal.config import database_url

app = Flask(__name__)
engine = create_engine(database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
PAGE = """<!doctype html><html lang="sv"><title>Fakturor</title><table>
<thead><tr><th>Faktura</th><th>Kund</th><th>Förfaller</th><th>Kvar</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.invoice_number }}</td><td>{{ row.name }}</td><td>{{ row.due_date }}</td>
<td>{{ row.open_amount_ore }}</td></tr>{% endfor %}</tbody></table></html>"""
QUERY = text("SELECT i.invoice_number, c.name, i.due_date, i.open_amount_ore FROM invoices i "
             "JOIN customers c ON c.id = i.customer_id ORDER BY i.id DESC LIMIT 50")


@app.get("/")
def invoices():
    with engine.connect() as connection:
        rows = connection.execute(QUERY).all()
    return render_template_string(PAGE, rows=rows)
