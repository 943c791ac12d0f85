-- One database and one login role per Punte service: each service owns its data, runs its own
-- migrations, and can reach no other service's database.
--
-- Run by the official postgres image on first start (mounted into /docker-entrypoint-initdb.d/
-- by docker-compose.yml and deploy/k8s/postgres.yaml), or by hand against any server as a
-- superuser (psql 15 or later, for \getenv):
--
--   PUNTE_CONTACTS_DB_PASSWORD=... PUNTE_EVENTS_DB_PASSWORD=... \
--   PUNTE_PARTNERSHIPS_DB_PASSWORD=... PUNTE_GATEWAY_DB_PASSWORD=... \
--   psql -v ON_ERROR_STOP=1 -U postgres -f deploy/postgres/init-databases.sql
--
-- The passwords come from the environment: at least 16 characters each, URL-safe because the
-- services' database URLs embed them (`openssl rand -hex 32`). Idempotent: running it again
-- creates what is missing and sets the passwords again, which is how a rotated one is applied.
--
-- Each role: LOGIN only (no superuser, no CREATEDB/CREATEROLE, no replication, no RLS bypass),
-- owner of its database and of that database's public schema. PUBLIC loses CONNECT and TEMP on
-- the databases, so a role connects to its own database and no other. pg_trgm backs the
-- trigram indexes of the search keys; it is created here so that the services need no
-- superuser rights.

\set ON_ERROR_STOP on

\set contacts_password ''
\set events_password ''
\set partnerships_password ''
\set gateway_password ''
\getenv contacts_password PUNTE_CONTACTS_DB_PASSWORD
\getenv events_password PUNTE_EVENTS_DB_PASSWORD
\getenv partnerships_password PUNTE_PARTNERSHIPS_DB_PASSWORD
\getenv gateway_password PUNTE_GATEWAY_DB_PASSWORD

CREATE TEMPORARY TABLE punte_service (name text PRIMARY KEY, password text NOT NULL);
INSERT INTO punte_service VALUES
    ('contacts', :'contacts_password'),
    ('events', :'events_password'),
    ('partnerships', :'partnerships_password'),
    ('gateway', :'gateway_password');

SELECT count(*) = 0 AS passwords_ok FROM punte_service WHERE length(password) < 16 \gset
\if :passwords_ok
\else
DO $$ BEGIN
    RAISE EXCEPTION 'PUNTE_CONTACTS_DB_PASSWORD, PUNTE_EVENTS_DB_PASSWORD, PUNTE_PARTNERSHIPS_DB_PASSWORD and PUNTE_GATEWAY_DB_PASSWORD must each be set to at least 16 characters';
END $$;
\endif

SELECT format('CREATE ROLE %I', name)
FROM punte_service
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name)
\gexec

SELECT format(
    'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION'
    ' NOBYPASSRLS CONNECTION LIMIT 100 PASSWORD %L',
    name, password)
FROM punte_service
\gexec

SELECT format('CREATE DATABASE %I OWNER %I', name, name)
FROM punte_service
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = name)
\gexec

SELECT format('ALTER DATABASE %I OWNER TO %I', name, name) FROM punte_service
\gexec

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', name) FROM punte_service
\gexec

\connect contacts
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO contacts;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\connect events
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO events;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\connect partnerships
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO partnerships;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\connect gateway
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO gateway;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
