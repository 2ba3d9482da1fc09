-- role mw_owner
CREATE ROLE "mw_owner" NOLOGIN;
COMMENT ON ROLE "mw_owner" IS 'meshward:acme:owner:views';

-- schema "mw_meta"
CREATE SCHEMA "mw_meta" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_meta" IS 'meshward:acme:governance:mw_meta';

-- governance tables in "mw_meta"
CREATE SCHEMA IF NOT EXISTS "mw_meta" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_meta" IS 'meshward:acme:governance:mw_meta';
CREATE TABLE IF NOT EXISTS "mw_meta"."state" (key text PRIMARY KEY, kind text, spec jsonb, fingerprint text, applied_at timestamptz);
CREATE TABLE IF NOT EXISTS "mw_meta"."tags" (object text, tag text, value text, PRIMARY KEY (object, tag));
CREATE TABLE IF NOT EXISTS "mw_meta"."audit" (seq bigint PRIMARY KEY, at timestamptz, record jsonb, hash text);
CREATE TABLE IF NOT EXISTS "mw_meta"."meta" (key text PRIMARY KEY, value jsonb);
CREATE TABLE IF NOT EXISTS "mw_meta"."attributes" (role text, attribute text, type text NOT NULL, value text, PRIMARY KEY (role, attribute, value));
ALTER TABLE "mw_meta"."state" OWNER TO "mw_owner";
ALTER TABLE "mw_meta"."tags" OWNER TO "mw_owner";
ALTER TABLE "mw_meta"."audit" OWNER TO "mw_owner";
ALTER TABLE "mw_meta"."meta" OWNER TO "mw_owner";
ALTER TABLE "mw_meta"."attributes" OWNER TO "mw_owner";
INSERT INTO "mw_meta"."meta" (key, value) VALUES ('project', CAST('"acme"' AS jsonb)), ('layout_version', CAST('2' AS jsonb))
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- role mw_auditors
CREATE ROLE "mw_auditors" NOLOGIN;
COMMENT ON ROLE "mw_auditors" IS 'meshward:acme:group:auditors';

-- role mw_data_scientists
CREATE ROLE "mw_data_scientists" NOLOGIN;
COMMENT ON ROLE "mw_data_scientists" IS 'meshward:acme:group:data_scientists';

-- role mw_employees
CREATE ROLE "mw_employees" NOLOGIN;
COMMENT ON ROLE "mw_employees" IS 'meshward:acme:group:employees';

-- role mw_finance_analysts
CREATE ROLE "mw_finance_analysts" NOLOGIN;
COMMENT ON ROLE "mw_finance_analysts" IS 'meshward:acme:group:finance_analysts';

-- role mw_finance_controllers
CREATE ROLE "mw_finance_controllers" NOLOGIN;
COMMENT ON ROLE "mw_finance_controllers" IS 'meshward:acme:group:finance_controllers';

-- role mw_hr_admins
CREATE ROLE "mw_hr_admins" NOLOGIN;
COMMENT ON ROLE "mw_hr_admins" IS 'meshward:acme:group:hr_admins';

-- role mw_hr_partners
CREATE ROLE "mw_hr_partners" NOLOGIN;
COMMENT ON ROLE "mw_hr_partners" IS 'meshward:acme:group:hr_partners';

-- role mw_marketing_analysts
CREATE ROLE "mw_marketing_analysts" NOLOGIN;
COMMENT ON ROLE "mw_marketing_analysts" IS 'meshward:acme:group:marketing_analysts';

-- role mw_privacy_officers
CREATE ROLE "mw_privacy_officers" NOLOGIN;
COMMENT ON ROLE "mw_privacy_officers" IS 'meshward:acme:group:privacy_officers';

-- role mw_sales_analysts
CREATE ROLE "mw_sales_analysts" NOLOGIN;
COMMENT ON ROLE "mw_sales_analysts" IS 'meshward:acme:group:sales_analysts';

-- role mw_sales_analysts_apac
CREATE ROLE "mw_sales_analysts_apac" NOLOGIN;
COMMENT ON ROLE "mw_sales_analysts_apac" IS 'meshward:acme:group:sales_analysts_apac';

-- role mw_sales_analysts_us
CREATE ROLE "mw_sales_analysts_us" NOLOGIN;
COMMENT ON ROLE "mw_sales_analysts_us" IS 'meshward:acme:group:sales_analysts_us';

-- role mw_sales_directors
CREATE ROLE "mw_sales_directors" NOLOGIN;
COMMENT ON ROLE "mw_sales_directors" IS 'meshward:acme:group:sales_directors';

-- role mw_sales_leads
CREATE ROLE "mw_sales_leads" NOLOGIN;
COMMENT ON ROLE "mw_sales_leads" IS 'meshward:acme:group:sales_leads';

-- user.clearance = "high" (string) for members of "mw_auditors"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_auditors', 'clearance', 'string', 'high');

-- user.department = "compliance" (string) for members of "mw_auditors"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_auditors', 'department', 'string', 'compliance');

-- user.department = "data" (string) for members of "mw_data_scientists"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_data_scientists', 'department', 'string', 'data');

-- user.region = "EMEA" (string) for members of "mw_data_scientists"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_data_scientists', 'region', 'string', 'EMEA');

-- user.region = "AMER" (string) for members of "mw_data_scientists"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_data_scientists', 'region', 'string', 'AMER');

-- user.clearance = "standard" (string) for members of "mw_finance_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_analysts', 'clearance', 'string', 'standard');

-- user.department = "finance" (string) for members of "mw_finance_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_analysts', 'department', 'string', 'finance');

-- user.region = "EMEA" (string) for members of "mw_finance_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_analysts', 'region', 'string', 'EMEA');

-- user.region = "AMER" (string) for members of "mw_finance_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_analysts', 'region', 'string', 'AMER');

-- user.region = "APAC" (string) for members of "mw_finance_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_analysts', 'region', 'string', 'APAC');

-- user.clearance = "high" (string) for members of "mw_finance_controllers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_finance_controllers', 'clearance', 'string', 'high');

-- user.clearance = "high" (string) for members of "mw_hr_admins"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_hr_admins', 'clearance', 'string', 'high');

-- user.region = "AMER" (string) for members of "mw_hr_admins"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_hr_admins', 'region', 'string', 'AMER');

-- user.region = "APAC" (string) for members of "mw_hr_admins"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_hr_admins', 'region', 'string', 'APAC');

-- user.department = "hr" (string) for members of "mw_hr_partners"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_hr_partners', 'department', 'string', 'hr');

-- user.region = "EMEA" (string) for members of "mw_hr_partners"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_hr_partners', 'region', 'string', 'EMEA');

-- user.department = "marketing" (string) for members of "mw_marketing_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_marketing_analysts', 'department', 'string', 'marketing');

-- user.region = "EMEA" (string) for members of "mw_marketing_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_marketing_analysts', 'region', 'string', 'EMEA');

-- user.region = "AMER" (string) for members of "mw_marketing_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_marketing_analysts', 'region', 'string', 'AMER');

-- user.region = "APAC" (string) for members of "mw_marketing_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_marketing_analysts', 'region', 'string', 'APAC');

-- user.clearance = "high" (string) for members of "mw_privacy_officers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_privacy_officers', 'clearance', 'string', 'high');

-- user.department = "compliance" (string) for members of "mw_privacy_officers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_privacy_officers', 'department', 'string', 'compliance');

-- user.region = "EMEA" (string) for members of "mw_privacy_officers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_privacy_officers', 'region', 'string', 'EMEA');

-- user.region = "AMER" (string) for members of "mw_privacy_officers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_privacy_officers', 'region', 'string', 'AMER');

-- user.region = "APAC" (string) for members of "mw_privacy_officers"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_privacy_officers', 'region', 'string', 'APAC');

-- user.department = "sales" (string) for members of "mw_sales_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts', 'department', 'string', 'sales');

-- user.region = "EMEA" (string) for members of "mw_sales_analysts"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts', 'region', 'string', 'EMEA');

-- user.department = "sales" (string) for members of "mw_sales_analysts_apac"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts_apac', 'department', 'string', 'sales');

-- user.region = "APAC" (string) for members of "mw_sales_analysts_apac"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts_apac', 'region', 'string', 'APAC');

-- user.department = "sales" (string) for members of "mw_sales_analysts_us"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts_us', 'department', 'string', 'sales');

-- user.region = "AMER" (string) for members of "mw_sales_analysts_us"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_sales_analysts_us', 'region', 'string', 'AMER');

-- mw_auditors member of mw_employees
GRANT "mw_employees" TO "mw_auditors";

-- mw_data_scientists member of mw_employees
GRANT "mw_employees" TO "mw_data_scientists";

-- mw_finance_analysts member of mw_employees
GRANT "mw_employees" TO "mw_finance_analysts";

-- mw_finance_controllers member of mw_finance_analysts
GRANT "mw_finance_analysts" TO "mw_finance_controllers";

-- mw_hr_admins member of mw_hr_partners
GRANT "mw_hr_partners" TO "mw_hr_admins";

-- mw_hr_partners member of mw_employees
GRANT "mw_employees" TO "mw_hr_partners";

-- mw_marketing_analysts member of mw_employees
GRANT "mw_employees" TO "mw_marketing_analysts";

-- mw_privacy_officers member of mw_employees
GRANT "mw_employees" TO "mw_privacy_officers";

-- mw_sales_analysts member of mw_employees
GRANT "mw_employees" TO "mw_sales_analysts";

-- mw_sales_analysts_apac member of mw_employees
GRANT "mw_employees" TO "mw_sales_analysts_apac";

-- mw_sales_analysts_us member of mw_employees
GRANT "mw_employees" TO "mw_sales_analysts_us";

-- mw_sales_directors member of mw_sales_analysts_apac
GRANT "mw_sales_analysts_apac" TO "mw_sales_directors";

-- mw_sales_directors member of mw_sales_analysts_us
GRANT "mw_sales_analysts_us" TO "mw_sales_directors";

-- mw_sales_directors member of mw_sales_leads
GRANT "mw_sales_leads" TO "mw_sales_directors";

-- mw_sales_leads member of mw_sales_analysts
GRANT "mw_sales_analysts" TO "mw_sales_leads";
