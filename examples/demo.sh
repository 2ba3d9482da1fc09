#!/usr/bin/env bash
# The README's first command: plan and apply the example on the embedded PostgreSQL, then show
# what two different groups see — masking and row filtering happening for real.
set -euo pipefail
cd "$(dirname "$0")/.."
mw() { node dist/src/cli/main.js "$@"; }
# Bold headings on a terminal only: a pipe or a CI log gets plain text (NO_COLOR too).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else say() { printf '\n== %s\n' "$*"; }; fi

say "meshward plan: what the example policy repository needs on the embedded warehouse"
mw plan --dir policies --target local --no-sql
say "the SQL one domain causes (what a domain owner previews): meshward compile --domain sales, first lines"
mw compile --dir policies --target local --domain sales | sed -n '1,40p'
say "meshward apply --yes (one transaction)"
mw apply --dir policies --target local --yes | tail -n 1
say "a second plan is empty"
mw plan --dir policies --target local | tail -n 2

say "explain: sales_analysts on analytics.sales.customers (from the model, no connection)"
mw explain --dir policies --group sales_analysts --table analytics.sales.customers
say "query as sales_analysts: EMEA rows only; names redacted, e-mail domain only, phone last 2"
mw query --dir policies --target local --as sales_analysts \
  "SELECT customer_id, first_name, email, phone, birth_date, region FROM analytics.sales.customers ORDER BY customer_id LIMIT 6"
say "query as privacy_officers + sales_leads: every region, personal data in clear (the phone keeps the domain's mask)"
mw query --dir policies --target local --as sales_leads,privacy_officers \
  "SELECT customer_id, first_name, email, phone, birth_date, region FROM analytics.sales.customers ORDER BY customer_id LIMIT 6"
say "query as hr_partners on salaries: readable, but no row can match without clearance"
mw query --dir policies --target local --as hr_partners "SELECT count(*) AS visible_rows FROM analytics.hr.salaries"
say "meshward test --target local: the access tests against the model AND the live warehouse"
mw test --dir policies --target local | tail -n 1
say "drift: nothing changed out of band"
mw drift --dir policies --target local
