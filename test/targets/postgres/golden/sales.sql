-- schema "mw_sales"
CREATE SCHEMA "mw_sales" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_sales" IS 'meshward:acme:schema:analytics.sales';

-- SELECT on table "sales"."customers" → mw_owner
GRANT SELECT ON TABLE "sales"."customers" TO "mw_owner";

-- SELECT on table "sales"."order_items" → mw_owner
GRANT SELECT ON TABLE "sales"."order_items" TO "mw_owner";

-- SELECT on table "sales"."orders" → mw_owner
GRANT SELECT ON TABLE "sales"."orders" TO "mw_owner";

-- SELECT on table "sales"."products" → mw_owner
GRANT SELECT ON TABLE "sales"."products" TO "mw_owner";

-- SELECT on table "sales"."stores" → mw_owner
GRANT SELECT ON TABLE "sales"."stores" TO "mw_owner";

-- view "mw_sales"."customers"
CREATE VIEW "mw_sales"."customers" WITH (security_barrier = true) AS
SELECT
  "customer_id",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "first_name" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "first_name"
  END AS "first_name",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "last_name" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "last_name"
  END AS "last_name",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(CASE WHEN strpos("email", '@') > 0 THEN 'XXXXX@' || split_part("email", '@', -1) ELSE encode(sha256(convert_to("email", 'UTF8')), 'hex') END AS text)
    ELSE "email"
  END AS "email",
  CAST(CASE WHEN char_length(CAST("phone" AS text)) > 2 THEN 'XXXXX' || right(CAST("phone" AS text), 2) ELSE encode(sha256(convert_to(CAST("phone" AS text), 'UTF8')), 'hex') END AS character varying) AS "phone",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(date_trunc('year', CAST("birth_date" AS timestamp)) AS date)
    ELSE "birth_date"
  END AS "birth_date",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "street_address" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "street_address"
  END AS "street_address",
  "city",
  "country",
  "region",
  "loyalty_tier",
  "is_active",
  "created_at"
FROM "sales"."customers"
WHERE (pg_has_role(current_user, 'mw_sales_leads', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_sales"."customers" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_sales"."customers" IS 'meshward:acme:view:analytics.sales.customers';

-- view "mw_sales"."order_items"
CREATE VIEW "mw_sales"."order_items" WITH (security_barrier = true) AS
SELECT
  "order_id",
  "line_no",
  "product_id",
  "quantity",
  "unit_price",
  "discount_pct"
FROM "sales"."order_items";
ALTER VIEW "mw_sales"."order_items" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_sales"."order_items" IS 'meshward:acme:view:analytics.sales.order_items';

-- view "mw_sales"."orders"
CREATE VIEW "mw_sales"."orders" WITH (security_barrier = true) AS
SELECT
  "order_id",
  "customer_id",
  "store_id",
  "region",
  "channel",
  "status",
  "order_date",
  "total_amount",
  "currency",
  "shipped_at"
FROM "sales"."orders"
WHERE (pg_has_role(current_user, 'mw_sales_leads', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))))
  AND ("channel" IN ('store', 'web', 'app'));
ALTER VIEW "mw_sales"."orders" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_sales"."orders" IS 'meshward:acme:view:analytics.sales.orders';

-- view "mw_sales"."products"
CREATE VIEW "mw_sales"."products" WITH (security_barrier = true) AS
SELECT
  "product_id",
  "sku",
  "product_name",
  "category",
  "list_price",
  "attributes",
  "discontinued"
FROM "sales"."products";
ALTER VIEW "mw_sales"."products" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_sales"."products" IS 'meshward:acme:view:analytics.sales.products';

-- view "mw_sales"."stores"
CREATE VIEW "mw_sales"."stores" WITH (security_barrier = true) AS
SELECT
  "store_id",
  "store_name",
  "region",
  "country",
  "city",
  "opened_on",
  "floor_area_m2"
FROM "sales"."stores";
ALTER VIEW "mw_sales"."stores" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_sales"."stores" IS 'meshward:acme:view:analytics.sales.stores';

-- USAGE on schema "mw_sales" → mw_data_scientists
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_data_scientists";

-- USAGE on schema "mw_sales" → mw_employees
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_employees";

-- USAGE on schema "mw_sales" → mw_marketing_analysts
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_marketing_analysts";

-- USAGE on schema "mw_sales" → mw_sales_analysts
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_sales_analysts";

-- USAGE on schema "mw_sales" → mw_sales_analysts_apac
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_sales_analysts_apac";

-- USAGE on schema "mw_sales" → mw_sales_analysts_us
GRANT USAGE ON SCHEMA "mw_sales" TO "mw_sales_analysts_us";

-- SELECT on view "mw_sales"."customers" → mw_data_scientists
GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_data_scientists";

-- SELECT on view "mw_sales"."customers" → mw_sales_analysts
GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_sales_analysts";

-- SELECT on view "mw_sales"."customers" → mw_sales_analysts_apac
GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_sales_analysts_apac";

-- SELECT on view "mw_sales"."customers" → mw_sales_analysts_us
GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_sales_analysts_us";

-- SELECT on view "mw_sales"."order_items" → mw_data_scientists
GRANT SELECT ON TABLE "mw_sales"."order_items" TO "mw_data_scientists";

-- SELECT on view "mw_sales"."order_items" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_sales"."order_items" TO "mw_marketing_analysts";

-- SELECT on view "mw_sales"."order_items" → mw_sales_analysts
GRANT SELECT ON TABLE "mw_sales"."order_items" TO "mw_sales_analysts";

-- SELECT on view "mw_sales"."order_items" → mw_sales_analysts_apac
GRANT SELECT ON TABLE "mw_sales"."order_items" TO "mw_sales_analysts_apac";

-- SELECT on view "mw_sales"."order_items" → mw_sales_analysts_us
GRANT SELECT ON TABLE "mw_sales"."order_items" TO "mw_sales_analysts_us";

-- SELECT on view "mw_sales"."orders" → mw_data_scientists
GRANT SELECT ON TABLE "mw_sales"."orders" TO "mw_data_scientists";

-- SELECT on view "mw_sales"."orders" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_sales"."orders" TO "mw_marketing_analysts";

-- SELECT on view "mw_sales"."orders" → mw_sales_analysts
GRANT SELECT ON TABLE "mw_sales"."orders" TO "mw_sales_analysts";

-- SELECT on view "mw_sales"."orders" → mw_sales_analysts_apac
GRANT SELECT ON TABLE "mw_sales"."orders" TO "mw_sales_analysts_apac";

-- SELECT on view "mw_sales"."orders" → mw_sales_analysts_us
GRANT SELECT ON TABLE "mw_sales"."orders" TO "mw_sales_analysts_us";

-- SELECT on view "mw_sales"."products" → mw_data_scientists
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_data_scientists";

-- SELECT on view "mw_sales"."products" → mw_employees
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_employees";

-- SELECT on view "mw_sales"."products" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_marketing_analysts";

-- SELECT on view "mw_sales"."products" → mw_sales_analysts
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_sales_analysts";

-- SELECT on view "mw_sales"."products" → mw_sales_analysts_apac
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_sales_analysts_apac";

-- SELECT on view "mw_sales"."products" → mw_sales_analysts_us
GRANT SELECT ON TABLE "mw_sales"."products" TO "mw_sales_analysts_us";

-- SELECT on view "mw_sales"."stores" → mw_data_scientists
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_data_scientists";

-- SELECT on view "mw_sales"."stores" → mw_employees
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_employees";

-- SELECT on view "mw_sales"."stores" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_marketing_analysts";

-- SELECT on view "mw_sales"."stores" → mw_sales_analysts
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_sales_analysts";

-- SELECT on view "mw_sales"."stores" → mw_sales_analysts_apac
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_sales_analysts_apac";

-- SELECT on view "mw_sales"."stores" → mw_sales_analysts_us
GRANT SELECT ON TABLE "mw_sales"."stores" TO "mw_sales_analysts_us";

-- tag sensitivity=public on analytics.sales.stores
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.stores', 'sensitivity', 'public')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=public on analytics.sales.products
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.products', 'sensitivity', 'public')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.sales.customers
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.sales.customers.first_name
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.first_name', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.sales.customers.last_name
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.last_name', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=email on analytics.sales.customers.email
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.email', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=phone on analytics.sales.customers.phone
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.phone', 'pii', 'phone')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=birth_date on analytics.sales.customers.birth_date
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.birth_date', 'pii', 'birth_date')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=address on analytics.sales.customers.street_address
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.customers.street_address', 'pii', 'address')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=internal on analytics.sales.orders
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.orders', 'sensitivity', 'internal')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=internal on analytics.sales.order_items
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.sales.order_items', 'sensitivity', 'internal')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;
