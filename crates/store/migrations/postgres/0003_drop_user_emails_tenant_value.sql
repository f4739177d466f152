-- no-transaction
-- Superseded by user_emails_value_ci (0002); nothing queries by (tenant_id, value_ci) any more.
DROP INDEX CONCURRENTLY IF EXISTS user_emails_value;
