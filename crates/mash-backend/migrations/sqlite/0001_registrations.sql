-- Delegated commissioning (DEC-019): sites, each served by one SMGW, and
-- the registrations the utility app uploads for them.

-- Kept in step with the configuration file at every start.
CREATE TABLE sites (
    id      TEXT PRIMARY KEY NOT NULL,
    smgw_id TEXT NOT NULL
);
CREATE INDEX sites_by_smgw ON sites (smgw_id);

CREATE TABLE registrations (
    -- AUTOINCREMENT: an ID is never handed out twice, even after deletes.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       TEXT NOT NULL REFERENCES sites (id),
    -- From the QR code; not secret.
    discriminator INTEGER NOT NULL,
    vendor_id     INTEGER,
    product_id    INTEGER,
    -- The QR payload in canonical form. SECRET: it holds the setup code.
    -- Present exactly while the registration is not final (checked below).
    qr            TEXT,
    state         TEXT NOT NULL
                  CHECK (state IN ('pending', 'delivered', 'commissioned', 'failed')),
    -- Unix milliseconds; set while delivered.
    lease_until   INTEGER,
    -- How often the job was handed to the SMGW.
    attempts      INTEGER NOT NULL DEFAULT 0,
    device_id     TEXT,
    zone_id       TEXT,
    failure       TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK ((state IN ('commissioned', 'failed')) = (qr IS NULL)),
    CHECK ((state = 'delivered') = (lease_until IS NOT NULL)),
    CHECK ((state = 'commissioned') = (device_id IS NOT NULL AND zone_id IS NOT NULL)),
    CHECK ((state = 'failed') = (failure IS NOT NULL))
);

-- One open registration per site and QR code: uploading the same code
-- again while it is open finds the existing one.
CREATE UNIQUE INDEX registrations_open_by_qr ON registrations (site_id, qr) WHERE qr IS NOT NULL;
-- What an SMGW's poll and the sweeper look at.
CREATE INDEX registrations_open ON registrations (state, site_id) WHERE qr IS NOT NULL;
