-- schema "mw_hr"
CREATE SCHEMA "mw_hr" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_hr" IS 'meshward:acme:schema:analytics.hr';

-- SELECT on table "hr"."departments" → mw_owner
GRANT SELECT ON TABLE "hr"."departments" TO "mw_owner";

-- SELECT on table "hr"."employees" → mw_owner
GRANT SELECT ON TABLE "hr"."employees" TO "mw_owner";

-- SELECT on table "hr"."performance_reviews" → mw_owner
GRANT SELECT ON TABLE "hr"."performance_reviews" TO "mw_owner";

-- SELECT on table "hr"."salaries" → mw_owner
GRANT SELECT ON TABLE "hr"."salaries" TO "mw_owner";

-- view "mw_hr"."departments"
CREATE VIEW "mw_hr"."departments" WITH (security_barrier = true) AS
SELECT
  "department_id",
  "department_name",
  "department",
  "cost_center",
  "region",
  "head_count"
FROM "hr"."departments";
ALTER VIEW "mw_hr"."departments" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_hr"."departments" IS 'meshward:acme:view:analytics.hr.departments';

-- view "mw_hr"."employees"
CREATE VIEW "mw_hr"."employees" WITH (security_barrier = true) AS
SELECT
  "employee_id",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "first_name" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "first_name"
  END AS "first_name",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "last_name" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "last_name"
  END AS "last_name",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(CASE WHEN strpos(CAST("work_email" AS text), '@') > 0 THEN 'XXXXX@' || split_part(CAST("work_email" AS text), '@', -1) ELSE encode(sha256(convert_to(CAST("work_email" AS text), 'UTF8')), 'hex') END AS character varying)
    ELSE CAST("work_email" AS character varying)
  END AS "work_email",
  CAST(encode(sha256(convert_to("personal_email", 'UTF8')), 'hex') AS text) AS "personal_email",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(CASE WHEN char_length(CAST("phone" AS text)) > 4 THEN 'XXXXX' || right(CAST("phone" AS text), 4) ELSE encode(sha256(convert_to(CAST("phone" AS text), 'UTF8')), 'hex') END AS character varying)
    ELSE CAST("phone" AS character varying)
  END AS "phone",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(NULL AS character varying)
    ELSE CAST("national_id" AS character varying)
  END AS "national_id",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(date_trunc('year', CAST("birth_date" AS timestamp)) AS date)
    ELSE "birth_date"
  END AS "birth_date",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_hr_partners', 'MEMBER') OR pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER')) THEN CAST(CASE WHEN "home_address" IS NULL THEN NULL ELSE '' END AS text)
    ELSE "home_address"
  END AS "home_address",
  "hire_date",
  "termination_date",
  "department_id",
  "job_title",
  "region",
  "manager_id"
FROM "hr"."employees"
WHERE (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))))
  AND (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR (("termination_date" IS NULL) OR ("termination_date" >= DATE '2024-01-01')));
ALTER VIEW "mw_hr"."employees" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_hr"."employees" IS 'meshward:acme:view:analytics.hr.employees';

-- view "mw_hr"."performance_reviews"
CREATE VIEW "mw_hr"."performance_reviews" WITH (security_barrier = true) AS
SELECT
  "review_id",
  "employee_id",
  "reviewer_id",
  "review_year",
  "rating",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') THEN CAST(NULL AS text)
    ELSE "comments"
  END AS "comments",
  "region"
FROM "hr"."performance_reviews"
WHERE (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_hr"."performance_reviews" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_hr"."performance_reviews" IS 'meshward:acme:view:analytics.hr.performance_reviews';

-- view "mw_hr"."salaries"
CREATE VIEW "mw_hr"."salaries" WITH (security_barrier = true) AS
SELECT
  "employee_id",
  "effective_from",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_finance_controllers', 'MEMBER') OR pg_has_role(current_user, 'mw_hr_admins', 'MEMBER')) THEN CAST(NULL AS numeric(12,2))
    ELSE "base_salary"
  END AS "base_salary",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_finance_controllers', 'MEMBER') OR pg_has_role(current_user, 'mw_hr_admins', 'MEMBER')) THEN CAST(NULL AS numeric(12,2))
    ELSE "bonus"
  END AS "bonus",
  "currency",
  "region"
FROM "hr"."salaries"
WHERE EXISTS (SELECT 1 FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'clearance' AND pg_has_role(current_user, a."role", 'MEMBER') AND a."value" = 'high')
  AND (pg_has_role(current_user, 'mw_hr_admins', 'MEMBER') OR ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_hr"."salaries" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_hr"."salaries" IS 'meshward:acme:view:analytics.hr.salaries';

-- USAGE on schema "mw_hr" → mw_employees
GRANT USAGE ON SCHEMA "mw_hr" TO "mw_employees";

-- USAGE on schema "mw_hr" → mw_finance_controllers
GRANT USAGE ON SCHEMA "mw_hr" TO "mw_finance_controllers";

-- USAGE on schema "mw_hr" → mw_hr_partners
GRANT USAGE ON SCHEMA "mw_hr" TO "mw_hr_partners";

-- USAGE on schema "mw_hr" → mw_privacy_officers
GRANT USAGE ON SCHEMA "mw_hr" TO "mw_privacy_officers";

-- SELECT on view "mw_hr"."departments" → mw_employees
GRANT SELECT ON TABLE "mw_hr"."departments" TO "mw_employees";

-- SELECT on view "mw_hr"."departments" → mw_hr_partners
GRANT SELECT ON TABLE "mw_hr"."departments" TO "mw_hr_partners";

-- SELECT on view "mw_hr"."employees" → mw_hr_partners
GRANT SELECT ON TABLE "mw_hr"."employees" TO "mw_hr_partners";

-- SELECT on view "mw_hr"."employees" → mw_privacy_officers
GRANT SELECT ON TABLE "mw_hr"."employees" TO "mw_privacy_officers";

-- SELECT on view "mw_hr"."performance_reviews" → mw_hr_partners
GRANT SELECT ON TABLE "mw_hr"."performance_reviews" TO "mw_hr_partners";

-- SELECT on view "mw_hr"."salaries" → mw_finance_controllers
GRANT SELECT ON TABLE "mw_hr"."salaries" TO "mw_finance_controllers";

-- SELECT on view "mw_hr"."salaries" → mw_hr_partners
GRANT SELECT ON TABLE "mw_hr"."salaries" TO "mw_hr_partners";

-- tag sensitivity=internal on analytics.hr.departments
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.departments', 'sensitivity', 'internal')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.hr.employees
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.hr.employees.first_name
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.first_name', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=name on analytics.hr.employees.last_name
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.last_name', 'pii', 'name')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=email on analytics.hr.employees.work_email
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.work_email', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=email on analytics.hr.employees.personal_email
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.personal_email', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=phone on analytics.hr.employees.phone
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.phone', 'pii', 'phone')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=national_id on analytics.hr.employees.national_id
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.national_id', 'pii', 'national_id')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=birth_date on analytics.hr.employees.birth_date
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.birth_date', 'pii', 'birth_date')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=address on analytics.hr.employees.home_address
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.employees.home_address', 'pii', 'address')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=restricted on analytics.hr.salaries
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.salaries', 'sensitivity', 'restricted')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag finance=salary on analytics.hr.salaries.base_salary
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.salaries.base_salary', 'finance', 'salary')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag finance=salary on analytics.hr.salaries.bonus
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.salaries.bonus', 'finance', 'salary')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.hr.performance_reviews
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.hr.performance_reviews', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;
