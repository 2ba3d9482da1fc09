-- schema "mw_finance"
CREATE SCHEMA "mw_finance" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_finance" IS 'meshward:acme:schema:analytics.finance';

-- SELECT on table "finance"."bank_accounts" → mw_owner
GRANT SELECT ON TABLE "finance"."bank_accounts" TO "mw_owner";

-- SELECT on table "finance"."budgets" → mw_owner
GRANT SELECT ON TABLE "finance"."budgets" TO "mw_owner";

-- SELECT on table "finance"."fx_rates" → mw_owner
GRANT SELECT ON TABLE "finance"."fx_rates" TO "mw_owner";

-- SELECT on table "finance"."invoices" → mw_owner
GRANT SELECT ON TABLE "finance"."invoices" TO "mw_owner";

-- SELECT on table "finance"."ledger_entries" → mw_owner
GRANT SELECT ON TABLE "finance"."ledger_entries" TO "mw_owner";

-- SELECT on table "finance"."payment_cards" → mw_owner
GRANT SELECT ON TABLE "finance"."payment_cards" TO "mw_owner";

-- view "mw_finance"."bank_accounts"
CREATE VIEW "mw_finance"."bank_accounts" WITH (security_barrier = true) AS
SELECT
  "account_id",
  "customer_id",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "account_holder" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "account_holder"
  END AS "account_holder",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_finance_controllers', 'MEMBER') THEN CAST(CASE WHEN char_length(CAST("iban" AS text)) > 4 THEN 'XXXXX' || right(CAST("iban" AS text), 4) ELSE encode(sha256(convert_to(CAST("iban" AS text), 'UTF8')), 'hex') END AS character varying)
    ELSE CAST("iban" AS character varying)
  END AS "iban",
  "bic",
  "region",
  "currency",
  "balance",
  "opened_on",
  "closed_on"
FROM "finance"."bank_accounts"
WHERE EXISTS (SELECT 1 FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'clearance' AND pg_has_role(current_user, a."role", 'MEMBER') AND a."value" = 'high')
  AND ("closed_on" IS NULL);
ALTER VIEW "mw_finance"."bank_accounts" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."bank_accounts" IS 'meshward:acme:view:analytics.finance.bank_accounts';

-- view "mw_finance"."budgets"
CREATE VIEW "mw_finance"."budgets" WITH (security_barrier = true) AS
SELECT
  "cost_center",
  "fiscal_year",
  "department",
  "region",
  "budget",
  "spent"
FROM "finance"."budgets"
WHERE (pg_has_role(current_user, 'mw_finance_analysts', 'MEMBER') OR ("department" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'department' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_finance"."budgets" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."budgets" IS 'meshward:acme:view:analytics.finance.budgets';

-- view "mw_finance"."fx_rates"
CREATE VIEW "mw_finance"."fx_rates" WITH (security_barrier = true) AS
SELECT
  "rate_date",
  "currency",
  "rate_to_eur"
FROM "finance"."fx_rates";
ALTER VIEW "mw_finance"."fx_rates" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."fx_rates" IS 'meshward:acme:view:analytics.finance.fx_rates';

-- view "mw_finance"."invoices"
CREATE VIEW "mw_finance"."invoices" WITH (security_barrier = true) AS
SELECT
  "invoice_id",
  "invoice_number",
  "customer_id",
  "region",
  "issued_on",
  "due_on",
  "paid_on",
  "amount",
  "currency",
  "status"
FROM "finance"."invoices"
WHERE (pg_has_role(current_user, 'mw_auditors', 'MEMBER') OR pg_has_role(current_user, 'mw_finance_analysts', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_finance"."invoices" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."invoices" IS 'meshward:acme:view:analytics.finance.invoices';

-- view "mw_finance"."ledger_entries"
CREATE VIEW "mw_finance"."ledger_entries" WITH (security_barrier = true) AS
SELECT
  "entry_id",
  "booked_on",
  "account_code",
  "cost_center",
  "department",
  "region",
  "debit",
  "credit",
  "description",
  "is_reversal",
  "posted_at"
FROM "finance"."ledger_entries"
WHERE (pg_has_role(current_user, 'mw_auditors', 'MEMBER') OR (("booked_on" < DATE '2025-01-01') OR pg_has_role(current_user, 'mw_finance_controllers', 'MEMBER')))
  AND (NOT (("is_reversal" = TRUE) AND ("posted_at" IS NULL)));
ALTER VIEW "mw_finance"."ledger_entries" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."ledger_entries" IS 'meshward:acme:view:analytics.finance.ledger_entries';

-- view "mw_finance"."payment_cards"
CREATE VIEW "mw_finance"."payment_cards" WITH (security_barrier = true) AS
SELECT
  "card_id",
  "customer_id",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "cardholder_name" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "cardholder_name"
  END AS "cardholder_name",
  CAST(CASE WHEN char_length(CAST("card_number" AS text)) > 4 THEN 'XXXXX' || right(CAST("card_number" AS text), 4) ELSE encode(sha256(convert_to(CAST("card_number" AS text), 'UTF8')), 'hex') END AS character varying) AS "card_number",
  CAST(sha256("card_fingerprint") AS bytea) AS "card_fingerprint",
  "brand",
  "expiry_month",
  "expiry_year",
  "region",
  "added_at"
FROM "finance"."payment_cards"
WHERE EXISTS (SELECT 1 FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'clearance' AND pg_has_role(current_user, a."role", 'MEMBER') AND a."value" = 'high')
  AND ("expiry_year" >= 2025);
ALTER VIEW "mw_finance"."payment_cards" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_finance"."payment_cards" IS 'meshward:acme:view:analytics.finance.payment_cards';

-- USAGE on schema "mw_finance" → mw_auditors
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_auditors";

-- USAGE on schema "mw_finance" → mw_employees
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_employees";

-- USAGE on schema "mw_finance" → mw_finance_analysts
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_finance_analysts";

-- USAGE on schema "mw_finance" → mw_hr_admins
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_hr_admins";

-- USAGE on schema "mw_finance" → mw_marketing_analysts
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_marketing_analysts";

-- USAGE on schema "mw_finance" → mw_sales_leads
GRANT USAGE ON SCHEMA "mw_finance" TO "mw_sales_leads";

-- SELECT on view "mw_finance"."bank_accounts" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."bank_accounts" TO "mw_finance_analysts";

-- SELECT on view "mw_finance"."budgets" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."budgets" TO "mw_finance_analysts";

-- SELECT on view "mw_finance"."budgets" → mw_hr_admins
GRANT SELECT ON TABLE "mw_finance"."budgets" TO "mw_hr_admins";

-- SELECT on view "mw_finance"."budgets" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_finance"."budgets" TO "mw_marketing_analysts";

-- SELECT on view "mw_finance"."budgets" → mw_sales_leads
GRANT SELECT ON TABLE "mw_finance"."budgets" TO "mw_sales_leads";

-- SELECT on view "mw_finance"."fx_rates" → mw_auditors
GRANT SELECT ON TABLE "mw_finance"."fx_rates" TO "mw_auditors";

-- SELECT on view "mw_finance"."fx_rates" → mw_employees
GRANT SELECT ON TABLE "mw_finance"."fx_rates" TO "mw_employees";

-- SELECT on view "mw_finance"."fx_rates" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."fx_rates" TO "mw_finance_analysts";

-- SELECT on view "mw_finance"."invoices" → mw_auditors
GRANT SELECT ON TABLE "mw_finance"."invoices" TO "mw_auditors";

-- SELECT on view "mw_finance"."invoices" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."invoices" TO "mw_finance_analysts";

-- SELECT on view "mw_finance"."invoices" → mw_sales_leads
GRANT SELECT ON TABLE "mw_finance"."invoices" TO "mw_sales_leads";

-- SELECT on view "mw_finance"."ledger_entries" → mw_auditors
GRANT SELECT ON TABLE "mw_finance"."ledger_entries" TO "mw_auditors";

-- SELECT on view "mw_finance"."ledger_entries" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."ledger_entries" TO "mw_finance_analysts";

-- SELECT on view "mw_finance"."payment_cards" → mw_finance_analysts
GRANT SELECT ON TABLE "mw_finance"."payment_cards" TO "mw_finance_analysts";

-- tag sensitivity=public on analytics.finance.fx_rates
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.fx_rates', 'sensitivity', 'public')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.finance.invoices
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.invoices', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=restricted on analytics.finance.payment_cards
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.payment_cards', 'sensitivity', 'restricted')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.finance.payment_cards.cardholder_name
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.payment_cards.cardholder_name', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag finance=card_number on analytics.finance.payment_cards.card_number
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.payment_cards.card_number', 'finance', 'card_number')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=restricted on analytics.finance.bank_accounts
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.bank_accounts', 'sensitivity', 'restricted')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.finance.bank_accounts.account_holder
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.bank_accounts.account_holder', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag finance=iban on analytics.finance.bank_accounts.iban
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.bank_accounts.iban', 'finance', 'iban')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.finance.ledger_entries
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.ledger_entries', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=internal on analytics.finance.budgets
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.finance.budgets', 'sensitivity', 'internal')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;
