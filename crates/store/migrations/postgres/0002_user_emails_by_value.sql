-- no-transaction
-- An `emails.value eq` filter seeks user_emails by value alone: the filter translator does not
-- know the tenant (the outer query keeps the caller's tenant), and with a tenant-first index it
-- had to seek once per tenant. CONCURRENTLY, outside a transaction, so replicas still running
-- the previous version keep writing while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS user_emails_value_ci ON user_emails(value_ci);
