-- One database per Punte service (each service owns its data and runs its own migrations).
--
-- Run by the official postgres image on first start (mounted into
-- /docker-entrypoint-initdb.d/), or by hand against any server:
--
--   psql -v ON_ERROR_STOP=1 -U postgres -f deploy/postgres/init-databases.sql
--
-- Idempotent: a database that already exists is left alone. The databases belong to the user
-- running the script (POSTGRES_USER in docker-compose.yml). pg_trgm backs the trigram indexes
-- of the case- and diacritic-insensitive search keys; it is a trusted extension, created here
-- so that the services need no superuser rights.

SELECT format('CREATE DATABASE %I', name)
FROM (VALUES ('contacts'), ('events'), ('partnerships'), ('gateway')) AS wanted(name)
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = wanted.name)
\gexec

\connect contacts
CREATE EXTENSION IF NOT EXISTS pg_trgm;

\connect events
CREATE EXTENSION IF NOT EXISTS pg_trgm;

\connect partnerships
CREATE EXTENSION IF NOT EXISTS pg_trgm;

\connect gateway
CREATE EXTENSION IF NOT EXISTS pg_trgm;
