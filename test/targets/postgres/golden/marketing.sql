-- schema "mw_marketing"
CREATE SCHEMA "mw_marketing" AUTHORIZATION "mw_owner";
COMMENT ON SCHEMA "mw_marketing" IS 'meshward:acme:schema:analytics.marketing';

-- SELECT on table "marketing"."campaigns" → mw_owner
GRANT SELECT ON TABLE "marketing"."campaigns" TO "mw_owner";

-- SELECT on table "marketing"."newsletter_subscribers" → mw_owner
GRANT SELECT ON TABLE "marketing"."newsletter_subscribers" TO "mw_owner";

-- SELECT on table "marketing"."web_sessions" → mw_owner
GRANT SELECT ON TABLE "marketing"."web_sessions" TO "mw_owner";

-- view "mw_marketing"."campaigns"
CREATE VIEW "mw_marketing"."campaigns" WITH (security_barrier = true) AS
SELECT
  "campaign_id",
  "campaign_name",
  "channel",
  "region",
  "starts_on",
  "ends_on",
  "budget",
  "is_active"
FROM "marketing"."campaigns";
ALTER VIEW "mw_marketing"."campaigns" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_marketing"."campaigns" IS 'meshward:acme:view:analytics.marketing.campaigns';

-- view "mw_marketing"."newsletter_subscribers"
CREATE VIEW "mw_marketing"."newsletter_subscribers" WITH (security_barrier = true) AS
SELECT
  "subscriber_id",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(CASE WHEN strpos("email", '@') > 0 THEN 'XXXXX@' || split_part("email", '@', -1) ELSE encode(sha256(convert_to("email", 'UTF8')), 'hex') END AS text)
    ELSE "email"
  END AS "email",
  "region",
  "subscribed_at",
  "opted_out",
  "preferences",
  "source"
FROM "marketing"."newsletter_subscribers"
WHERE ("opted_out" = FALSE);
ALTER VIEW "mw_marketing"."newsletter_subscribers" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_marketing"."newsletter_subscribers" IS 'meshward:acme:view:analytics.marketing.newsletter_subscribers';

-- view "mw_marketing"."web_sessions"
CREATE VIEW "mw_marketing"."web_sessions" WITH (security_barrier = true) AS
SELECT
  "session_id",
  "customer_id",
  CASE
    WHEN NOT pg_has_role(current_user, 'mw_privacy_officers', 'MEMBER') THEN CAST(encode(sha256(convert_to("ip_address", 'UTF8')), 'hex') AS text)
    ELSE "ip_address"
  END AS "ip_address",
  CAST(CASE WHEN "user_agent" IS NULL THEN NULL ELSE '' END AS text) AS "user_agent",
  "landing_page",
  "utm_campaign",
  "region",
  "consent_analytics",
  "started_at",
  "duration_s",
  "device"
FROM "marketing"."web_sessions"
WHERE (("consent_analytics" = TRUE) AND ("region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))));
ALTER VIEW "mw_marketing"."web_sessions" OWNER TO "mw_owner";
COMMENT ON VIEW "mw_marketing"."web_sessions" IS 'meshward:acme:view:analytics.marketing.web_sessions';

-- USAGE on schema "mw_marketing" → mw_data_scientists
GRANT USAGE ON SCHEMA "mw_marketing" TO "mw_data_scientists";

-- USAGE on schema "mw_marketing" → mw_employees
GRANT USAGE ON SCHEMA "mw_marketing" TO "mw_employees";

-- USAGE on schema "mw_marketing" → mw_marketing_analysts
GRANT USAGE ON SCHEMA "mw_marketing" TO "mw_marketing_analysts";

-- SELECT on view "mw_marketing"."campaigns" → mw_data_scientists
GRANT SELECT ON TABLE "mw_marketing"."campaigns" TO "mw_data_scientists";

-- SELECT on view "mw_marketing"."campaigns" → mw_employees
GRANT SELECT ON TABLE "mw_marketing"."campaigns" TO "mw_employees";

-- SELECT on view "mw_marketing"."campaigns" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_marketing"."campaigns" TO "mw_marketing_analysts";

-- SELECT on view "mw_marketing"."newsletter_subscribers" → mw_data_scientists
GRANT SELECT ON TABLE "mw_marketing"."newsletter_subscribers" TO "mw_data_scientists";

-- SELECT on view "mw_marketing"."newsletter_subscribers" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_marketing"."newsletter_subscribers" TO "mw_marketing_analysts";

-- SELECT on view "mw_marketing"."web_sessions" → mw_data_scientists
GRANT SELECT ON TABLE "mw_marketing"."web_sessions" TO "mw_data_scientists";

-- SELECT on view "mw_marketing"."web_sessions" → mw_marketing_analysts
GRANT SELECT ON TABLE "mw_marketing"."web_sessions" TO "mw_marketing_analysts";

-- tag sensitivity=internal on analytics.marketing.campaigns
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.marketing.campaigns', 'sensitivity', 'internal')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.marketing.web_sessions
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.marketing.web_sessions', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=ip_address on analytics.marketing.web_sessions.ip_address
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.marketing.web_sessions.ip_address', 'pii', 'ip_address')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag sensitivity=confidential on analytics.marketing.newsletter_subscribers
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.marketing.newsletter_subscribers', 'sensitivity', 'confidential')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;

-- tag pii=email on analytics.marketing.newsletter_subscribers.email
INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('analytics.marketing.newsletter_subscribers.email', 'pii', 'email')
  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;
