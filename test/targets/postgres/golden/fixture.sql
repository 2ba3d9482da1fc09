-- role mw_owner
CREATE ROLE "mw_owner" NOLOGIN;
COMMENT ON ROLE "mw_owner" IS 'meshward:fx:owner:views';

-- schema "mw_meta"
CREATE SCHEMA "mw_meta" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_meta" IS 'meshward:fx:governance:mw_meta';

-- governance tables in "mw_meta"
CREATE SCHEMA IF NOT EXISTS "mw_meta" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_meta" IS 'meshward:fx:governance:mw_meta';
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
INSERT INTO "mw_meta"."meta" (key, value) VALUES ('project', CAST('"fx"' AS jsonb)), ('layout_version', CAST('2' AS jsonb))
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- role mw_auditor
CREATE ROLE "mw_auditor" NOLOGIN;
COMMENT ON ROLE "mw_auditor" IS 'meshward:fx:group:auditor';

-- role mw_base
CREATE ROLE "mw_base" NOLOGIN;
COMMENT ON ROLE "mw_base" IS 'meshward:fx:group:base';

-- role mw_lead
CREATE ROLE "mw_lead" NOLOGIN;
COMMENT ON ROLE "mw_lead" IS 'meshward:fx:group:lead';

-- role mw_nobody
CREATE ROLE "mw_nobody" NOLOGIN;
COMMENT ON ROLE "mw_nobody" IS 'meshward:fx:group:nobody';

-- schema "mw_s"
CREATE SCHEMA "mw_s" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_s" IS 'meshward:fx:schema:db.s';

-- SELECT on table "s"."filtered" → mw_owner
GRANT SELECT ON TABLE "s"."filtered" TO "mw_owner";

-- SELECT on table "s"."masked" → mw_owner
GRANT SELECT ON TABLE "s"."masked" TO "mw_owner";

-- view "mw_s"."filtered"
CREATE VIEW "mw_s"."filtered" WITH (security_barrier = true) AS
SELECT
  "id",
  "region",
  "amount",
  "day",
  "since",
  "at_local",
  "vip",
  "name"
FROM "s"."filtered"
WHERE (("amount" IN (SELECT CAST(a."value" AS numeric) FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'level' AND pg_has_role(current_user, a."role", 'MEMBER'))) OR pg_has_role(current_user, 'mw_auditor', 'MEMBER'))
  AND (((("day" IN (SELECT CAST(a."value" AS date) FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'day' AND pg_has_role(current_user, a."role", 'MEMBER'))) OR ("day" >= DATE '2024-06-01') OR ("since" < TIMESTAMPTZ '2024-06-01 12:00:00.5+00')) AND (NOT (("vip" = TRUE) AND ("at_local" <> TIMESTAMP '2024-01-01 00:00:00')))) OR pg_has_role(current_user, 'mw_lead', 'MEMBER'))
  AND ((("name" IS NOT NULL) AND ("name" NOT IN ('x', 'it''s')) AND (EXISTS (SELECT 1 FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER') AND a."value" = 'EMEA') OR ("amount" > -1.5)) AND ("vip" OR ("vip" IS NULL)) AND (("since" IN (SELECT CAST(a."value" AS timestamp with time zone) FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'since' AND pg_has_role(current_user, a."role", 'MEMBER'))) OR ("since" IS NULL) OR ("at_local" IS NOT NULL))) OR (pg_has_role(current_user, 'mw_auditor', 'MEMBER') AND ("vip" = FALSE)))
  AND (pg_has_role(current_user, 'mw_auditor', 'MEMBER') OR (("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))) AND (NOT ("day" IN (SELECT CAST(a."value" AS date) FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'day' AND pg_has_role(current_user, a."role", 'MEMBER'))))));
ALTER VIEW "mw_s"."filtered" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_s"."filtered" IS 'meshward:fx:view:db.s.filtered';

-- view "mw_s"."masked"
CREATE VIEW "mw_s"."masked" WITH (security_barrier = true) AS
SELECT
  "id",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(encode(sha256(convert_to("t_text", 'UTF8')), 'hex') AS text)
    WHEN NOT pg_has_role(current_user, 'mw_lead', 'MEMBER') THEN CAST(encode(sha256(convert_to("t_text", 'UTF8')), 'hex') AS text)
    ELSE CAST(CASE WHEN char_length("t_text") > 3 THEN 'XXXXX' || right("t_text", 3) ELSE encode(sha256(convert_to("t_text", 'UTF8')), 'hex') END AS text)
  END AS "t_text",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_base', 'MEMBER') THEN CAST(CASE WHEN char_length(CAST("t_varchar" AS text)) > 2 THEN 'XXXXX' || right(CAST("t_varchar" AS text), 2) ELSE encode(sha256(convert_to(CAST("t_varchar" AS text), 'UTF8')), 'hex') END AS character varying)
    ELSE CAST(CASE WHEN char_length(CAST("t_varchar" AS text)) > 3 THEN 'XXXXX' || right(CAST("t_varchar" AS text), 3) ELSE encode(sha256(convert_to(CAST("t_varchar" AS text), 'UTF8')), 'hex') END AS character varying)
  END AS "t_varchar",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(CASE WHEN "t_char" IS NULL THEN NULL ELSE '' END AS bpchar)
    WHEN NOT pg_has_role(current_user, 'mw_lead', 'MEMBER') THEN CAST(CASE WHEN strpos(rpad(CAST("t_char" AS text), 8), '@') > 0 THEN 'XXXXX@' || split_part(rpad(CAST("t_char" AS text), 8), '@', -1) ELSE encode(sha256(convert_to(rpad(CAST("t_char" AS text), 8), 'UTF8')), 'hex') END AS bpchar)
    ELSE CAST("t_char" AS bpchar)
  END AS "t_char",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(CASE WHEN "n_int" IS NULL THEN NULL ELSE 0 END AS integer)
    ELSE "n_int"
  END AS "n_int",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(CASE WHEN "n_num" IS NULL THEN NULL ELSE 0 END AS numeric(12,2))
    ELSE "n_num"
  END AS "n_num",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(CASE WHEN "b" IS NULL THEN NULL ELSE false END AS boolean)
    ELSE "b"
  END AS "b",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_lead', 'MEMBER') THEN CAST(date_trunc('year', CAST("d" AS timestamp)) AS date)
    ELSE "d"
  END AS "d",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_auditor', 'MEMBER') OR pg_has_role(current_user, 'mw_base', 'MEMBER')) THEN CAST(NULL AS timestamp with time zone)
    WHEN NOT pg_has_role(current_user, 'mw_lead', 'MEMBER') THEN CAST(date_trunc('year', "ts" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS timestamp with time zone)
    ELSE "ts"
  END AS "ts",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_lead', 'MEMBER') THEN CAST(date_trunc('year', "tp") AS timestamp(3) without time zone)
    ELSE "tp"
  END AS "tp",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(sha256("bin") AS bytea)
    ELSE "bin"
  END AS "bin",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_auditor', 'MEMBER') THEN CAST(CASE WHEN "j" IS NULL THEN NULL ELSE 'null' END AS jsonb)
    ELSE "j"
  END AS "j",
  CASE
    WHEN NOT (pg_has_role(current_user, 'mw_auditor', 'MEMBER') OR pg_has_role(current_user, 'mw_base', 'MEMBER')) THEN CAST(NULL AS uuid)
    ELSE "u"
  END AS "u"
FROM "s"."masked";
ALTER VIEW "mw_s"."masked" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_s"."masked" IS 'meshward:fx:view:db.s.masked';

-- user.since = "2024-01-01 00:00:00+00" (timestamp) for members of "mw_auditor"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_auditor', 'since', 'timestamp', '2024-01-01 00:00:00+00');

-- user.level = "1" (number) for members of "mw_base"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_base', 'level', 'number', '1');

-- user.level = "2.5" (number) for members of "mw_base"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_base', 'level', 'number', '2.5');

-- user.region = "EMEA" (string) for members of "mw_base"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_base', 'region', 'string', 'EMEA');

-- user.day = "2024-01-01" (date) for members of "mw_lead"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_lead', 'day', 'date', '2024-01-01');

-- user.region = "AMER" (string) for members of "mw_lead"
INSERT INTO "mw_meta"."attributes" (role, attribute, type, value) VALUES ('mw_lead', 'region', 'string', 'AMER');

-- mw_lead member of mw_base
GRANT "mw_base" TO "mw_lead";

-- USAGE on schema "mw_s" → mw_auditor
GRANT USAGE ON SCHEMA "mw_s" TO "mw_auditor";

-- USAGE on schema "mw_s" → mw_base
GRANT USAGE ON SCHEMA "mw_s" TO "mw_base";

-- SELECT on view "mw_s"."filtered" → mw_auditor
GRANT SELECT ON TABLE "mw_s"."filtered" TO "mw_auditor";

-- SELECT on view "mw_s"."filtered" → mw_base
GRANT SELECT ON TABLE "mw_s"."filtered" TO "mw_base";

-- SELECT on view "mw_s"."masked" → mw_auditor
GRANT SELECT ON TABLE "mw_s"."masked" TO "mw_auditor";

-- SELECT on view "mw_s"."masked" → mw_base
GRANT SELECT ON TABLE "mw_s"."masked" TO "mw_base";

-- tag pii=email on db.s.masked.t_text
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('db.s.masked.t_text', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=email on db.s.masked.t_char
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('db.s.masked.t_char', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag level=high on db.s.filtered
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('db.s.filtered', 'level', 'high')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;
